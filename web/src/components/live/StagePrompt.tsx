// What someone brought on stage sees first, at the top of the stage: they are muted (nobody
// hears them yet) and one button makes them live when they are ready. In the page's flow, so it
// covers nothing, and a polite live region, so a screen reader says it too.
import { isOnStage } from '../../lib/menus.js';
import { useSpaceMe, useSpaceMedia } from '../../state/session/hooks.js';
import type { LiveSession } from '../../state/useSpaceSession.js';
import { MicIcon } from '../Icons.js';
import type { RoleNotices } from './notices.js';

export function StagePrompt({ session, notices }: { session: LiveSession; notices: RoleNotices }) {
  const { you } = useSpaceMe(session);
  const { mic } = useSpaceMedia(session.media);
  const show = notices.arrivedMuted && !!you && isOnStage(you.role) && you.muted;
  return (
    <div className="stage-prompt-region" role="status">
      {show && (
        <div className="stage-prompt">
          <p className="stage-prompt-text">
            <strong>You&apos;re on stage, muted.</strong> Unmute when you&apos;re ready.
          </p>
          <div className="stage-prompt-actions">
            <button
              type="button"
              className="button button-primary button-small"
              disabled={mic === 'starting'}
              onClick={() => {
                if (mic === 'denied') session.media.retryMic();
                void session.act({ action: 'setMicMuted', muted: false });
              }}
            >
              <MicIcon size={16} />
              Unmute
            </button>
            <button type="button" className="button button-secondary button-small" onClick={notices.dismissArrival}>
              Not yet
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
