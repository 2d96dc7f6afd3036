// OWNER: simulator.
import KneadCore
