// The payload types the server uses towards its own browser peers (it writes the offers).
// Peers that offer instead (WHIP, WHEP) may use others: those are mapped at the edge.
export const OPUS_PT = 111;
export const VP8_PT = 96;
