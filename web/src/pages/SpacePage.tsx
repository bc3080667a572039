// One Space at /s/:spaceId, rendered from the server's latest state. A broadcast ("Go live")
// is the same Space laid out for its video: the picture first and large, the people on stage
// in a small row under it, the live chat beside it.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CommentView, PersonView } from '../../../src/protocol/messages.js';
import { AppHeader } from '../components/AppHeader.js';
import { ConfirmEndDialog } from '../components/ConfirmEndDialog.js';
import { CommentsPanel } from '../components/CommentsPanel.js';
import { ControlBar } from '../components/ControlBar.js';
import { FullPageMessage } from '../components/FullPageMessage.js';
import { BackIcon, EncoderIcon, EyeIcon, LinkIcon } from '../components/Icons.js';
import { InviteDialog } from '../components/InviteDialog.js';
import { ListenerList } from '../components/ListenerList.js';
import { FloatingReactions, ReactionBar } from '../components/Reactions.js';
import { RequestQueue } from '../components/RequestQueue.js';
import { EndedSpace } from '../components/replay/EndedSpace.js';
import { ScheduledSpace } from '../components/ScheduledSpace.js';
import { SpaceHead } from '../components/SpaceHead.js';
import { StageGrid } from '../components/StageGrid.js';
import { StageVideo } from '../components/StageVideo.js';
import { StatusBanner } from '../components/StatusBanner.js';
import { StreamKeyDialog } from '../components/StreamKeyDialog.js';
import { TapToListen } from '../components/TapToListen.js';
import { watchingText } from '../lib/format.js';
import { isModerator, isOnStage, type CommentAction, type PersonAction } from '../lib/menus.js';
import { Link, navigate } from '../router.js';
import { useAuth } from '../state/auth.js';
import { takeGoLive } from '../state/goLive.js';
import { useToast } from '../state/toasts.js';
import { useDelayed, useDelayedEvents } from '../state/useDelayed.js';
import { useHeardComments } from '../state/useHeardComments.js';
import { useSpaceSession, type SpaceSession } from '../state/useSpaceSession.js';

const DONE: Record<PersonAction, (handle: string) => string> = {
  mute: (h) => `${h} is muted`,
  moveToAudience: (h) => `${h} moved to the audience`,
  makeCohost: (h) => `${h} is now a co-host`,
  removeCohost: (h) => `${h} is no longer a co-host`,
  remove: (h) => `${h} was removed`,
};

export function SpacePage({ spaceId }: { spaceId: string }) {
  const { token, api } = useAuth();
  const toast = useToast();
  const session = useSpaceSession({ spaceId, token, api, notify: toast });
  const title = session.space?.title ?? session.summary?.title;

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
      end={session.phase === 'live' || session.phase === 'scheduled' || session.phase === 'ended' ? <CopyLinkButton /> : undefined}
    />
  );

  let body;
  switch (session.phase) {
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
          body={session.failure ?? 'Something went wrong.'}
          action={
            <button type="button" className="button button-primary" onClick={session.reconnect}>
              Try again
            </button>
          }
        />
      );
      break;
    case 'scheduled':
      body = <ScheduledSpace space={session.summary} onStarted={() => !session.space && session.reconnect()} />;
      break;
    case 'connecting':
      body = <ConnectingSkeleton />;
      break;
    default:
      body = <LiveSpace session={session} spaceId={spaceId} />;
  }

  return (
    <div className={`page page-space${session.phase === 'live' ? ' has-control-bar' : ''}`}>
      {header}
      {(session.phase === 'live' || session.phase === 'connecting') && <StatusBanner status={session.status} onRejoin={session.reconnect} />}
      {body}
    </div>
  );
}

function LiveSpace({ session, spaceId }: { session: SpaceSession; spaceId: string }) {
  const toast = useToast();
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [streamKeyFor, setStreamKeyFor] = useState<PersonView | null>(null);
  const { space, you, act } = session;
  useRoleNotices(you, toast);
  useDropStalePin(session);
  useGoLive(session, spaceId);
  // On HLS, who talks is shown when they are heard, not seconds before.
  const [hlsDelay, setHlsDelay] = useState(0);
  const delay = session.tier.hlsUrl !== null ? hlsDelay : 0;
  const speaking = useDelayed(session.speaking, delay);
  const activeSpeaker = useDelayed(session.activeSpeaker, delay);
  // So are other people's comments and everyone's reactions: they land with what they react to.
  const comments = useHeardComments(session.comments, delay, you?.userId ?? null);
  const onReactions = useDelayedEvents(session.onReactions, delay);
  // Everyone the page knows, for the comments' roles and menus.
  const people = useMemo(
    () => new Map([...(space?.listeners ?? []), ...(space?.stage ?? [])].map((p) => [p.userId, p] as const)),
    [space?.listeners, space?.stage],
  );
  if (!space) return null;
  const moderator = isModerator(you?.role);
  const guest = session.me?.guest ?? you?.guest ?? true;
  const lowData = session.tier.tier === 'hls';
  const broadcast = space.kind === 'broadcast';
  const isHost = you?.role === 'host';

  const onPersonAction = async (action: PersonAction, p: PersonView) => {
    if (await act({ action, userId: p.userId })) toast(DONE[action](p.handle), 'success');
  };
  const onPin = (userId: string | null) => void session.pin(userId);
  const onCommentAction = async (action: CommentAction, c: CommentView) => {
    if (action === 'delete') {
      if (await session.deleteComment(c.id)) toast('Comment deleted', 'success');
    } else if (await act({ action: 'remove', userId: c.userId })) {
      toast(`${c.handle} is blocked from this Space`, 'success');
    }
  };

  const head = (
    <SpaceHead
      title={space.title}
      recording={space.recording}
      tier={session.tier}
      broadcast={broadcast}
      meta={
        broadcast ? (
          <p className="broadcast-meta">
            <EyeIcon size={15} />
            {watchingText(space.listenerCount)}
          </p>
        ) : undefined
      }
      actions={
        isHost && you ? (
          <button
            type="button"
            className="button button-secondary button-small encoder-button"
            onClick={() => setStreamKeyFor(you)}
            title="Publish from OBS or another WHIP encoder"
          >
            <EncoderIcon size={16} />
            <span className="encoder-label">Stream from an encoder</span>
          </button>
        ) : undefined
      }
    />
  );
  const video = (
    <StageVideo
      track={session.stageTrack}
      hlsUrl={session.tier.hlsUrl}
      hlsAudioOnly={session.tier.audioOnly}
      onHlsDelay={setHlsDelay}
      broadcast={broadcast}
      showing={session.stageVideo.userId}
      layer={session.stageVideo.layer}
      pinnedId={session.pinnedId}
      activeSpeaker={activeSpeaker}
      people={space.stage}
      you={you}
      speaking={speaking}
      preview={session.cameraTrack}
      onPin={onPin}
    >
      <FloatingReactions subscribe={onReactions} />
    </StageVideo>
  );
  const requests = moderator && (
    <RequestQueue
      requests={space.requests}
      onApprove={(p) => void act({ action: 'approve', userId: p.userId })}
      onDeny={(p) => void act({ action: 'deny', userId: p.userId })}
    />
  );

  return (
    <>
      <main className={`space-main${broadcast ? ' is-broadcast' : ''}${session.status === 'connected' ? '' : ' is-offline'}`} data-media-delay={delay}>
        <div className="space-layout">
          <section className={`stage-panel${broadcast ? ' is-broadcast' : ''}`} aria-label="Stage">
            {!broadcast && head}
            {video}
            <ReactionBar onReact={session.react} disabled={session.status !== 'connected'} />
            {broadcast && head}
            <StageGrid
              people={space.stage}
              you={you}
              speaking={speaking}
              activeSpeaker={activeSpeaker}
              pinnedId={session.pinnedId}
              pinnable={session.tier.hlsUrl === null}
              compact={broadcast}
              onAction={onPersonAction}
              onView={(action, p) => onPin(action === 'pin' ? p.userId : null)}
              onStreamKey={isHost ? setStreamKeyFor : undefined}
            />
            {session.audioBlocked && <TapToListen onTap={session.resumeAudio} />}
          </section>
          <div className="side">
            {/* Someone waiting to speak comes before the chat; an empty queue after it. */}
            {space.requests.length > 0 && requests}
            <CommentsPanel
              spaceId={spaceId}
              comments={comments}
              you={you}
              people={people}
              guest={guest}
              guestComments={space.guestComments !== false}
              onGuestComments={
                isHost
                  ? async (on) => {
                      if (await act({ action: 'setGuestComments', on }))
                        toast(on ? 'Guests can comment' : 'Only people with an account can comment now', 'success');
                    }
                  : undefined
              }
              onSend={session.sendComment}
              onAction={onCommentAction}
              broadcast={broadcast}
            />
            {space.requests.length === 0 && requests}
            <ListenerList
              listeners={space.listeners}
              count={space.listenerCount}
              you={you}
              onInvite={async (p) => {
                if (await act({ action: 'invite', userId: p.userId })) toast(`Invited ${p.handle} to speak`, 'success');
              }}
              onAction={onPersonAction}
              broadcast={broadcast}
            />
          </div>
        </div>
      </main>
      <ControlBar
        spaceId={spaceId}
        you={you}
        guest={guest}
        mic={session.mic}
        camera={session.camera}
        lowData={lowData}
        lowDataPending={session.tierPending}
        recording={space.recording}
        onToggleLowData={async () => {
          if (await session.setLowData(!lowData)) {
            toast(lowData ? 'Switching back to live audio' : 'Low data mode on: a few seconds behind live');
          }
        }}
        onToggleRecording={async () => {
          const on = !space.recording;
          if (await act({ action: 'setRecording', on })) {
            toast(on ? 'Recording. Everyone sees REC while it is on.' : 'Recording stopped', 'success');
          }
        }}
        onToggleCamera={() => session.setCamera(session.camera === 'off')}
        onToggleMute={() => {
          if (!you) return;
          if (you.muted && session.mic === 'denied') session.retryMic();
          void act({ action: 'setMicMuted', muted: !you.muted });
        }}
        onRequest={async () => {
          if (await act({ action: 'requestToSpeak' })) toast('Request sent. The hosts will see it.', 'success');
        }}
        onCancelRequest={() => void act({ action: 'cancelRequest' })}
        onMuteAll={async () => {
          if (await act({ action: 'muteAll' })) toast('Everyone on stage is muted', 'success');
        }}
        onLeaveStage={() => void act({ action: 'leaveStage' })}
        onEnd={() => setConfirmEnd(true)}
        onLeave={async () => {
          await session.leave();
          navigate('/');
        }}
      />
      {session.invited && you?.role === 'listener' && (
        <InviteDialog
          hostHandle={space.hostHandle}
          yourHandle={you.handle}
          onAccept={() => act({ action: 'acceptInvite' })}
          onDecline={() => act({ action: 'declineInvite' })}
        />
      )}
      {streamKeyFor && you && (
        <StreamKeyDialog
          spaceId={spaceId}
          person={{ userId: streamKeyFor.userId, handle: streamKeyFor.handle }}
          self={streamKeyFor.userId === you.userId}
          onClose={() => setStreamKeyFor(null)}
        />
      )}
      {confirmEnd && (
        <ConfirmEndDialog
          onCancel={() => setConfirmEnd(false)}
          onConfirm={async () => {
            if (!(await act({ action: 'end' }))) setConfirmEnd(false);
          }}
        />
      )}
    </>
  );
}

/** Tells you when the server moved you: onto the stage, back to the audience, muted by a host. */
function useRoleNotices(you: PersonView | null, toast: ReturnType<typeof useToast>) {
  const prev = useRef<PersonView | null>(null);
  useEffect(() => {
    const before = prev.current;
    prev.current = you;
    if (!before || !you) return;
    if (!isOnStage(before.role) && isOnStage(you.role)) {
      toast(you.muted ? "You're on stage. Unmute when you're ready to talk." : "You're on stage.", 'success');
    } else if (isOnStage(before.role) && !isOnStage(you.role)) {
      toast("You're back in the audience.");
    } else if (before.role !== you.role && you.role === 'cohost') {
      toast("You're now a co-host.", 'success');
    } else if (before.role === 'cohost' && you.role === 'speaker') {
      toast("You're no longer a co-host.");
    }
  }, [you, toast]);
}

/**
 * The host of a broadcast goes live with their camera on: at once when "Go live" just opened
 * it, and again after a reload while the server still shows their camera on. Once per page.
 */
function useGoLive(session: SpaceSession, spaceId: string) {
  const tried = useRef(false);
  const { space, you, camera, setCamera } = session;
  const ready = space?.kind === 'broadcast' && you?.role === 'host' && session.status === 'connected';
  useEffect(() => {
    if (!ready || tried.current) return;
    tried.current = true;
    const wanted = takeGoLive(spaceId) || you?.camera === true;
    if (wanted && camera === 'off') setCamera(true);
  }, [ready, spaceId, you?.camera, camera, setCamera]);
}

/** A pinned person who left the stage can't be shown any more: follow the active speaker again. */
function useDropStalePin(session: SpaceSession) {
  const { pinnedId, space, pin } = session;
  const gone = pinnedId !== null && space !== null && !space.stage.some((p) => p.userId === pinnedId);
  useEffect(() => {
    if (gone) void pin(null);
  }, [gone, pin]);
}

function ConnectingSkeleton() {
  return (
    <main className="space-main" aria-busy="true">
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
    <button type="button" className="icon-button" onClick={copy} aria-label="Copy link" title="Copy link">
      <LinkIcon />
    </button>
  );
}
