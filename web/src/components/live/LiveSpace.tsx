// A live Space: the stage, the side (requests, chat, listeners) and the control bar, each
// reading only the slices of the session it shows. A broadcast ("Go live") is the same Space
// laid out for its video: the picture first and large, the people on stage in a small row
// under it, the live chat beside it.
import { useState } from 'react';
import type { PersonView } from '../../../../src/protocol/messages.js';
import { useSpaceConnection, useSpaceDetails, useSpaceMe, useSpaceTier } from '../../state/session/hooks.js';
import type { LiveSession } from '../../state/useSpaceSession.js';
import { StreamKeyDialog } from '../StreamKeyDialog.js';
import { LiveControls } from './LiveControls.js';
import { useDropStalePin, useGoLive } from './liveEffects.js';
import { LiveSide } from './LiveSide.js';
import { LiveStage } from './LiveStage.js';
import { useRequestAlerts, useRoleNotices } from './notices.js';
import { StagePrompt } from './StagePrompt.js';

export function LiveSpace({ session, spaceId }: { session: LiveSession; spaceId: string }) {
  const [streamKeyFor, setStreamKeyFor] = useState<PersonView | null>(null);
  const { summary, joined } = useSpaceDetails(session);
  const { you } = useSpaceMe(session);
  const { status } = useSpaceConnection(session);
  const { view: tier } = useSpaceTier(session);
  const notices = useRoleNotices(session);
  const requests = useRequestAlerts(session);
  useDropStalePin(session);
  useGoLive(session, session.media, spaceId);
  // On HLS, what happens is shown when it is heard: the player says how late that is.
  const [hlsDelay, setHlsDelay] = useState(0);
  const delay = tier.hlsUrl !== null ? hlsDelay : 0;
  if (!joined || !summary) return null;
  const broadcast = summary.kind === 'broadcast';

  return (
    <>
      <main id="main" className={`space-main${broadcast ? ' is-broadcast' : ''}${status === 'connected' ? '' : ' is-offline'}`} data-media-delay={delay}>
        <div className="space-layout">
          <LiveStage
            session={session}
            delay={delay}
            onHlsDelay={setHlsDelay}
            onStreamKey={setStreamKeyFor}
            prompt={<StagePrompt session={session} notices={notices} />}
          />
          <LiveSide session={session} spaceId={spaceId} delay={delay} />
        </div>
      </main>
      <LiveControls session={session} spaceId={spaceId} notices={notices} requests={requests} />
      {streamKeyFor && you && (
        <StreamKeyDialog
          spaceId={spaceId}
          person={{ userId: streamKeyFor.userId, handle: streamKeyFor.handle }}
          self={streamKeyFor.userId === you.userId}
          onClose={() => setStreamKeyFor(null)}
        />
      )}
    </>
  );
}
