// OWNER: wire.
