// Your own controls, in a bar at the bottom: talk, show your camera, ask to talk, save data,
// moderate everyone, record, leave.
import type { PersonView } from '../../../src/protocol/messages.js';
import { isModerator, isOnStage } from '../lib/menus.js';
import { Link, signInPath, spacePath } from '../router.js';
import type { CameraState } from '../state/camera.js';
import type { MicState } from '../state/microphone.js';
import { CameraIcon, CameraOffIcon, HandIcon, LeaveIcon, LowDataIcon, MicIcon, MicOffIcon, MuteAllIcon, RecordIcon, StageDownIcon, StopIcon } from './Icons.js';

interface Props {
  spaceId: string;
  you: PersonView | null;
  guest: boolean;
  mic: MicState;
  camera: CameraState;
  /** Receiving the Space as HLS (Low data mode, or put there by the server). */
  lowData: boolean;
  /** A Low data mode change is on its way to the server. */
  lowDataPending: boolean;
  /** The host turned "Record Space" on. */
  recording: boolean;
  /** Requests to speak waiting (hosts and co-hosts; 0 for everyone else). */
  requests: number;
  onShowRequests(): void;
  onToggleLowData(): void;
  onToggleRecording(): void;
  onToggleMute(): void;
  /** Ask for the microphone again, after the browser refused it. */
  onRetryMic(): void;
  onToggleCamera(): void;
  onRequest(): void;
  onCancelRequest(): void;
  onMuteAll(): void;
  onLeaveStage(): void;
  onEnd(): void;
  onLeave(): void;
}

export function ControlBar(props: Props) {
  const { you, guest, mic, camera } = props;
  const cameraOn = camera === 'on' || camera === 'starting';
  const role = you?.role;
  const onStage = isOnStage(role);
  const moderator = isModerator(role);
  return (
    // A landmark, so that screen-reader users can jump to the controls as to the header and main.
    <section className="control-bar-wrap" aria-label="Space controls">
      <div className="control-bar" role="toolbar" aria-label="Your controls">
        <div className="control-group">
          {/* A refused microphone sends nothing whatever Mute says: show that, and offer to ask again. */}
          {onStage && you && mic === 'denied' && (
            <button
              type="button"
              className="control control-wide control-muted"
              onClick={props.onRetryMic}
              title="Your browser blocks the microphone for this site. Allow it in the site settings (the icon by the address), then click to try again."
            >
              <MicOffIcon />
              <span>Microphone blocked</span>
            </button>
          )}
          {onStage && you && mic !== 'denied' && (
            <button
              type="button"
              className={`control ${you.muted ? 'control-muted' : 'control-live'}`}
              onClick={props.onToggleMute}
              disabled={mic === 'starting'}
            >
              {you.muted ? <MicOffIcon /> : <MicIcon />}
              <span>{you.muted ? 'Unmute' : 'Mute'}</span>
            </button>
          )}
          {onStage && you && (
            <button
              type="button"
              className={`control${cameraOn ? ' control-live' : ''}`}
              onClick={props.onToggleCamera}
              disabled={camera === 'stopping'}
              aria-label={cameraOn ? 'Turn camera off' : 'Turn camera on'}
              title={cameraOn ? 'Turn camera off' : 'Turn camera on'}
            >
              {cameraOn ? <CameraIcon /> : <CameraOffIcon />}
              <span>Camera</span>
            </button>
          )}
          {role === 'listener' &&
            (guest ? (
              <Link to={signInPath(spacePath(props.spaceId))} className="control control-wide">
                <HandIcon />
                <span>Sign in to request to speak</span>
              </Link>
            ) : you?.requested ? (
              <button type="button" className="control control-wide control-pending" onClick={props.onCancelRequest}>
                <HandIcon />
                <span>Cancel request</span>
              </button>
            ) : (
              <button type="button" className="control control-wide control-accent" onClick={props.onRequest}>
                <HandIcon />
                <span>Request to speak</span>
              </button>
            ))}
          {role === 'listener' && (
            <button
              type="button"
              className={`control${props.lowData ? ' control-on' : ''}`}
              aria-pressed={props.lowData}
              aria-label="Low data mode"
              title={props.lowData ? 'Low data mode is on: a few seconds behind live' : 'Low data mode: use less data, a few seconds behind live'}
              onClick={props.onToggleLowData}
              disabled={props.lowDataPending}
            >
              <LowDataIcon />
              <span>Low data</span>
            </button>
          )}
          {moderator && props.requests > 0 && (
            <button type="button" className="control control-requests" onClick={props.onShowRequests} title="Show the requests to speak">
              <HandIcon />
              {/* The visible words begin the accessible name ("Requests 2 waiting to speak"), as voice control expects. */}
              <span>Requests</span>
              <span className="control-badge">{props.requests}</span>
              <span className="visually-hidden"> waiting to speak</span>
            </button>
          )}
          {moderator && (
            <button type="button" className="control" onClick={props.onMuteAll}>
              <MuteAllIcon />
              <span>Mute all</span>
            </button>
          )}
          {role === 'host' && (
            <button
              type="button"
              className={`control${props.recording ? ' control-recording' : ''}`}
              aria-pressed={props.recording}
              aria-label="Record Space"
              title={props.recording ? 'Recording: click to stop' : 'Record this Space for replay'}
              onClick={props.onToggleRecording}
            >
              <RecordIcon />
              {/* The same words either way (the state is aria-pressed and the colour), so the name matches what is read. */}
              <span>Record</span>
            </button>
          )}
          {onStage && role !== 'host' && (
            <button type="button" className="control" onClick={props.onLeaveStage}>
              <StageDownIcon />
              <span>Leave stage</span>
            </button>
          )}
        </div>
        <div className="control-group">
          {role === 'host' && (
            <button type="button" className="control control-danger" onClick={props.onEnd}>
              <StopIcon />
              {/* "End" alone on a phone, where six controls share the bar; the name stays "End Space". */}
              <span>
                End<span className="label-rest"> Space</span>
              </span>
            </button>
          )}
          <button type="button" className="control" onClick={props.onLeave}>
            <LeaveIcon />
            <span>Leave</span>
          </button>
        </div>
      </div>
    </section>
  );
}
