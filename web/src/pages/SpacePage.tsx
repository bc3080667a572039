// One Space at /s/:spaceId: what the page shows in each phase of its session (connecting,
// live, scheduled, ended, refused). The live Space itself is components/live/LiveSpace.tsx.
import { useEffect } from 'react';
import { AppHeader } from '../components/AppHeader.js';
import { FullPageMessage } from '../components/FullPageMessage.js';
import { BackIcon, LinkIcon } from '../components/Icons.js';
import { LiveSpace } from '../components/live/LiveSpace.js';
import { EndedSpace } from '../components/replay/EndedSpace.js';
import { ScheduledSpace } from '../components/ScheduledSpace.js';
import { StartReminder } from '../components/StartReminder.js';
import { StatusBanner } from '../components/StatusBanner.js';
import { Link } from '../router.js';
import { useAuth } from '../state/auth.js';
import { useSpaceConnection, useSpaceDetails } from '../state/session/hooks.js';
import { useToast } from '../state/toasts.js';
import { useSpaceSession } from '../state/useSpaceSession.js';

export function SpacePage({ spaceId }: { spaceId: string }) {
  const { token, api } = useAuth();
  const toast = useToast();
  const session = useSpaceSession({ spaceId, token, api, notify: toast });
  const { phase, status, failure } = useSpaceConnection(session);
  const { summary, joined } = useSpaceDetails(session);
  const title = summary?.title;

  useEffect(() => {
    document.title = title ? `${title} · Spaces` : 'Spaces';
  }, [title]);

  const header = (
    <AppHeader
      showAuth={false}
      start={
        <Link to="/" className="back-link" aria-label="All Spaces">
          <BackIcon />
          <span>Spaces</span>
        </Link>
      }
      end={phase === 'live' || phase === 'scheduled' || phase === 'ended' ? <CopyLinkButton /> : undefined}
    />
  );

  let body;
  switch (phase) {
    case 'ended':
      // With its replay, once the recording is ready (if the host recorded it).
      body = <EndedSpace spaceId={spaceId} title={title ?? null} />;
      break;
    case 'removed':
      body = <FullPageMessage title="You were removed from this Space" body="A host removed you, so you can't rejoin it." />;
      break;
    case 'replaced':
      body = (
        <FullPageMessage
          title="You're in this Space somewhere else"
          body="You joined from another tab or device, so this one stepped aside."
          action={
            <button type="button" className="button button-primary" onClick={session.reconnect}>
              Use this tab
            </button>
          }
        />
      );
      break;
    case 'notFound':
      body = <FullPageMessage title="This Space doesn't exist" body="The link may be mistyped, or the Space was deleted." />;
      break;
    case 'failed':
      body = (
        <FullPageMessage
          title="Couldn't join this Space"
          body={failure ?? 'Something went wrong.'}
          action={
            <button type="button" className="button button-primary" onClick={session.reconnect}>
              Try again
            </button>
          }
        />
      );
      break;
    case 'scheduled':
      body = <ScheduledSpace space={summary} onStarted={() => !joined && session.reconnect()} />;
      break;
    case 'connecting':
      body = <ConnectingSkeleton />;
      break;
    default:
      body = <LiveSpace session={session} spaceId={spaceId} />;
  }

  return (
    <div className={`page page-space${phase === 'live' ? ' has-control-bar' : ''}`}>
      {header}
      {(phase === 'live' || phase === 'connecting') && <StatusBanner status={status} onRejoin={session.reconnect} />}
      <StartReminder spaceId={spaceId} phase={phase} title={title ?? null} scheduledFor={summary?.scheduledFor ?? null} />
      {body}
    </div>
  );
}

function ConnectingSkeleton() {
  return (
    <main id="main" className="space-main" aria-busy="true">
      <div className="space-layout">
        <div className="stage-panel">
          <div className="skeleton skeleton-title" />
          <ul className="stage-grid" aria-hidden="true">
            {[0, 1, 2].map((i) => (
              <li key={i} className="stage-person">
                <span className="avatar avatar-lg skeleton" />
                <span className="skeleton skeleton-line" />
              </li>
            ))}
          </ul>
        </div>
        <div className="side">
          <div className="panel skeleton skeleton-panel" />
        </div>
      </div>
    </main>
  );
}

function CopyLinkButton() {
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      toast('Link copied', 'success');
    } catch {
      toast(location.href);
    }
  };
  return (
    // Labelled in words, not by an icon alone: the label is also the button's accessible name.
    <button type="button" className="button button-ghost button-small" onClick={copy}>
      <LinkIcon size={18} />
      Copy link
    </button>
  );
}
