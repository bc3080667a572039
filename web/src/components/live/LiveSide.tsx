// Beside the stage: the requests to speak (for hosts and co-hosts), the live chat and the
// listeners. Someone waiting to speak comes before the chat; an empty queue after it.
import { useMemo, useState } from 'react';
import type { CommentView } from '../../../../src/protocol/messages.js';
import type { CommentAction } from '../../lib/menus.js';
import { useSpaceAudience, useSpaceChat, useSpaceDetails, useSpaceMe, useSpaceStage } from '../../state/session/hooks.js';
import { useToast } from '../../state/toasts.js';
import { useHeardComments } from '../../state/useHeardComments.js';
import type { LiveSession } from '../../state/useSpaceSession.js';
import { CommentsPanel } from '../CommentsPanel.js';
import { GuestNameForm } from '../GuestName.js';
import { ListenerList } from '../ListenerList.js';
import { RequestQueue } from '../RequestQueue.js';
import { ConfirmRemove, usePersonAction } from './personActions.js';

interface Props {
  session: LiveSession;
  spaceId: string;
  /** How late this viewer hears the Space (HLS), in ms; 0 on WebRTC. */
  delay: number;
}

export function LiveSide({ session, spaceId, delay }: Props) {
  const toast = useToast();
  const { summary, guestComments } = useSpaceDetails(session);
  const { you, guest, host, moderator } = useSpaceMe(session);
  const { listeners, listenerCount, requests } = useSpaceAudience(session);
  const stage = useSpaceStage(session);
  const [onPersonAction, personDialog] = usePersonAction(session);
  const [blocking, setBlocking] = useState<CommentView | null>(null);
  // Other people's comments land with what they react to (on HLS, later).
  const comments = useHeardComments(useSpaceChat(session), delay, you?.userId ?? null);
  // Everyone the page knows, for the comments' roles and menus.
  const people = useMemo(() => new Map([...listeners, ...stage].map((p) => [p.userId, p] as const)), [listeners, stage]);
  const { act } = session;
  const broadcast = summary?.kind === 'broadcast';

  const onCommentAction = async (action: CommentAction, c: CommentView) => {
    if (action === 'delete') {
      if (await session.deleteComment(c.id)) toast('Comment deleted', 'success');
    } else {
      setBlocking(c);
    }
  };
  const block = async (c: CommentView) => {
    if (await act({ action: 'remove', userId: c.userId })) toast(`${c.handle} is blocked from this Space`, 'success');
    setBlocking(null);
  };
  const queue = moderator && (
    <RequestQueue
      requests={requests}
      onApprove={(p) => void act({ action: 'approve', userId: p.userId })}
      onDeny={(p) => void act({ action: 'deny', userId: p.userId })}
    />
  );

  return (
    <div className="side">
      {requests.length > 0 && queue}
      {guest && you && <GuestNameForm you={you} onSave={session.setGuestName} />}
      <CommentsPanel
        spaceId={spaceId}
        comments={comments}
        you={you}
        people={people}
        guest={guest}
        guestComments={guestComments}
        onGuestComments={
          host
            ? async (on) => {
                if (await act({ action: 'setGuestComments', on })) toast(on ? 'Guests can comment' : 'Only people with an account can comment now', 'success');
              }
            : undefined
        }
        onSend={session.sendComment}
        onAction={onCommentAction}
        broadcast={broadcast}
      />
      {requests.length === 0 && queue}
      <ListenerList
        listeners={listeners}
        count={listenerCount}
        you={you}
        onInvite={async (p) => {
          if (await act({ action: 'invite', userId: p.userId })) toast(`Invited ${p.handle} to speak`, 'success');
        }}
        onAction={onPersonAction}
        broadcast={broadcast}
      />
      {personDialog}
      {blocking && <ConfirmRemove handle={blocking.handle} verb="Block" onCancel={() => setBlocking(null)} onConfirm={() => block(blocking)} />}
    </div>
  );
}
