// KneadWire: the protocol codecs, pure (no I/O, no Foundation).
//
//   Shared/      CRC-16, COBS, byte cursors, KWP packets and payload layouts   (Embedded-safe)
//   DeviceSide/  KWPDevice: the device side of the knead wire protocol          (Embedded-safe)
//   Host/        KWPMessage, KWPStreamDecoder, KWPHostSession, KWPClockEstimator, LinkBudget
//   TCode/       TCode v0.3: encoder, connect queries and replies, device-side decoder
//
// Shared/ and DeviceSide/ compile alone with Embedded Swift for Cortex-M
// (scripts/embedded-check.sh). Specifications: docs/protocol.md, docs/tcode.md.
