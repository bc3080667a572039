// The stage of a live Space: its head (title, pills, the host's encoder button), the stage
// video with the reactions floating over it, the reaction bar and the people on stage. On HLS
// the speaking rings, the active speaker and the reactions run as late as the audio does.
import type { ReactNode } from 'react';
import type { PersonView } from '../../../../src/protocol/messages.js';
import { watchingText } from '../../lib/format.js';
import { useDelayed, useDelayedEvents } from '../../state/useDelayed.js';
import {
  useActiveSpeaker,
  usePinned,
  useSpaceAudience,
  useSpaceConnection,
  useSpaceDetails,
  useSpaceMe,
  useSpaceMedia,
  useSpaceSpeaking,
  useSpaceStage,
  useSpaceTier,
  useStageVideo,
} from '../../state/session/hooks.js';
import type { LiveSession } from '../../state/useSpaceSession.js';
import { EncoderIcon, EyeIcon } from '../Icons.js';
import { FloatingReactions, ReactionBar } from '../Reactions.js';
import { SpaceHead } from '../SpaceHead.js';
import { StageGrid } from '../StageGrid.js';
import { StageVideo } from '../StageVideo.js';
import { TapToListen } from '../TapToListen.js';
import { usePersonAction } from './personActions.js';

interface Props {
  session: LiveSession;
  /** How late this viewer hears the Space (HLS), in ms; 0 on WebRTC. */
  delay: number;
  onHlsDelay(ms: number): void;
  onStreamKey(person: PersonView): void;
  /** Shown at the top of the stage (the prompt to unmute once on stage). */
  prompt?: ReactNode;
}

export function LiveStage({ session, delay, onHlsDelay, onStreamKey, prompt }: Props) {
  const media = session.media;
  const { summary } = useSpaceDetails(session);
  const { you, host } = useSpaceMe(session);
  const { status } = useSpaceConnection(session);
  const { view: tier } = useSpaceTier(session);
  const stage = useSpaceStage(session);
  const stageVideo = useStageVideo(session);
  const pinnedId = usePinned(session);
  const { stageTrack, cameraTrack, audioBlocked } = useSpaceMedia(media);
  // On HLS, who talks is shown when they are heard, not seconds before.
  const speaking = useDelayed(useSpaceSpeaking(session), delay);
  const activeSpeaker = useDelayed(useActiveSpeaker(session), delay);
  const onReactions = useDelayedEvents(session.onReactions, delay);
  const [onPersonAction, personDialog] = usePersonAction(session);
  if (!summary) return null;
  const broadcast = summary.kind === 'broadcast';
  const onPin = (userId: string | null) => void session.pin(userId);

  const head = (
    <SpaceHead
      title={summary.title}
      recording={summary.recording}
      tier={tier}
      broadcast={broadcast}
      meta={broadcast ? <WatchingCount session={session} /> : undefined}
      actions={
        host && you ? (
          <button
            type="button"
            className="button button-secondary button-small encoder-button"
            onClick={() => onStreamKey(you)}
            title="Publish from OBS or another WHIP encoder"
          >
            <EncoderIcon size={16} />
            <span className="encoder-label">Stream from an encoder</span>
          </button>
        ) : undefined
      }
    />
  );

  return (
    <section className={`stage-panel${broadcast ? ' is-broadcast' : ''}`} aria-label="Stage">
      {!broadcast && head}
      {prompt}
      <StageVideo
        track={stageTrack}
        hlsUrl={tier.hlsUrl}
        hlsAudioOnly={tier.audioOnly}
        onHlsDelay={onHlsDelay}
        broadcast={broadcast}
        showing={stageVideo.userId}
        layer={stageVideo.layer}
        pinnedId={pinnedId}
        activeSpeaker={activeSpeaker}
        people={stage}
        you={you}
        speaking={speaking}
        preview={cameraTrack}
        onPin={onPin}
      >
        <FloatingReactions subscribe={onReactions} />
      </StageVideo>
      <ReactionBar onReact={session.react} disabled={status !== 'connected'} />
      {broadcast && head}
      <StageGrid
        people={stage}
        you={you}
        speaking={speaking}
        activeSpeaker={activeSpeaker}
        pinnedId={pinnedId}
        pinnable={tier.hlsUrl === null}
        compact={broadcast}
        onAction={onPersonAction}
        onView={(action, p) => onPin(action === 'pin' ? p.userId : null)}
        onStreamKey={host ? onStreamKey : undefined}
      />
      {audioBlocked && <TapToListen onTap={media.resumeAudio} />}
      {personDialog}
    </section>
  );
}

/** A broadcast's audience, under its title: re-rendered alone as people come and go. */
function WatchingCount({ session }: { session: LiveSession }) {
  const { listenerCount } = useSpaceAudience(session);
  return (
    <p className="broadcast-meta">
      <EyeIcon size={15} />
      {watchingText(listenerCount)}
    </p>
  );
}
