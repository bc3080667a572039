// hls.js ships no declarations for its light build (package export "hls.js/light"): the same
// class as the full build's, with fewer features compiled in. The player casts it to that
// (web/src/state/hlsPlayer.ts). A .d.cts, so that this is an ambient declaration and not a
// module of this ESM package.
declare module 'hls.js/light' {
  const Hls: unknown;
  export default Hls;
}
