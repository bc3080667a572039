// The stage video: one large 16:9 video of the active speaker while their camera is on.
// Nobody sends video yet, so it renders nothing; the next issue fills it in
// (it will sit in a `.stage-video` frame, 16:9 and rounded, above the stage grid).
export function StageVideo(_props: { spaceId: string }) {
  return null;
}
