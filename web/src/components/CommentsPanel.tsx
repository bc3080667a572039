// The comment stream of a live Space: everyone's comments as they come, newest at the bottom,
// and a box to add one. Moderators (and authors, for their own) can delete a comment from its
// menu; moderators can also block its author from the Space (the same as Remove). The stream
// keeps to the bottom while you are there, and otherwise offers a jump to the new comments; it
// holds still while a comment's menu is open, so the comment does not slide away from it.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { COMMENT_MAX_CHARS, type CommentView, type PersonView } from '../../../src/protocol/messages.js';
import { formatClockTime, roleLabel } from '../lib/format.js';
import { commentItemsFor, type CommentAction } from '../lib/menus.js';
import { signInPath, spacePath, Link } from '../router.js';
import { commentLength } from '../state/chat.js';
import { Avatar } from './Avatar.js';
import { ArrowDownIcon, ChatIcon, SendIcon } from './Icons.js';
import { PersonMenu } from './PersonMenu.js';

interface Props {
  spaceId: string;
  comments: CommentView[];
  you: PersonView | null;
  /** Everyone the page knows (stage, then listeners), to show roles and decide menus. */
  people: ReadonlyMap<string, PersonView>;
  /** You are a guest (no account). */
  guest: boolean;
  /** The host lets guests comment. */
  guestComments: boolean;
  /** Host only: let guests comment or not. */
  onGuestComments?(on: boolean): void;
  onSend(text: string): Promise<boolean>;
  onAction(action: CommentAction, comment: CommentView): void;
  /** Shown as a broadcast's chat ("Live chat"). */
  broadcast?: boolean;
}

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_PX = 48;
/** The counter shows once this few characters are left. */
const COUNT_FROM = 40;

export function CommentsPanel(props: Props) {
  const { spaceId, comments, you, people, guest, guestComments, onGuestComments, onSend, onAction, broadcast = false } = props;
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [unseen, setUnseen] = useState(0);
  const list = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const atBottom = useRef(true);
  const lastId = useRef<string | null>(null);
  const mine = useRef(false);
  /** A comment's menu is open: new comments are counted, not scrolled to. */
  const held = useRef(false);

  const scrollToEnd = useCallback((smooth: boolean) => {
    const box = list.current;
    if (!box) return;
    box.scrollTo({ top: box.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    atBottom.current = true;
    setUnseen(0);
  }, []);

  // New comments: follow them if we were at the bottom (or just sent one), else count them.
  useLayoutEffect(() => {
    const newest = comments.at(-1)?.id ?? null;
    if (newest === lastId.current) return;
    const before = lastId.current;
    lastId.current = newest;
    if ((atBottom.current && !held.current) || mine.current || before === null) {
      mine.current = false;
      scrollToEnd(false);
    } else {
      const i = comments.findIndex((c) => c.id === before);
      setUnseen((n) => n + (i >= 0 ? comments.length - 1 - i : 1));
    }
  }, [comments, scrollToEnd]);

  useEffect(() => {
    const box = list.current;
    if (!box) return;
    const onScroll = () => {
      atBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < STICK_PX;
      if (atBottom.current) setUnseen(0);
    };
    box.addEventListener('scroll', onScroll, { passive: true });
    return () => box.removeEventListener('scroll', onScroll);
  }, []);

  const onMenu = useCallback(
    (open: boolean) => {
      held.current = open;
      // Closed again at the bottom: catch up with what came meanwhile.
      if (!open && atBottom.current) scrollToEnd(false);
    },
    [scrollToEnd],
  );

  const left = COMMENT_MAX_CHARS - commentLength(text);
  const blocked = guest && !guestComments;
  const canSend = !blocked && !sending && text.trim().length > 0 && left >= 0;

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!canSend) return;
    setSending(true);
    mine.current = true;
    const ok = await onSend(text.trim());
    setSending(false);
    if (ok) setText('');
    else mine.current = false;
    input.current?.focus();
  };

  const isHost = you?.role === 'host';
  const title = broadcast ? 'Live chat' : 'Comments';
  return (
    <section className="panel comments" aria-label="Comments">
      <div className="panel-head">
        <h2>{title}</h2>
        <span className="comments-head-end">
          {comments.length > 0 && <span className="listener-count">{comments.length.toLocaleString()}</span>}
          {isHost && onGuestComments && (
            <PersonMenu
              handle="Comments"
              label="Comment settings"
              className="comments-settings"
              items={[{ action: 'guests', label: guestComments ? 'Turn off guest comments' : 'Let guests comment' }]}
              onSelect={() => onGuestComments(!guestComments)}
            />
          )}
        </span>
      </div>
      <div className="comment-scroll" ref={list} role="log" aria-label="Comment stream" tabIndex={0}>
        {comments.length === 0 ? (
          <div className="comments-empty">
            <ChatIcon size={22} />
            <p>No comments yet.</p>
            <p className="muted">{blocked ? 'Guests can read along.' : 'Say hello 👋'}</p>
          </div>
        ) : (
          <ol className="comment-list">
            {comments.map((c) => (
              <CommentItem key={c.id} comment={c} you={you} author={people.get(c.userId) ?? null} onAction={onAction} onMenu={onMenu} />
            ))}
          </ol>
        )}
      </div>
      {unseen > 0 && (
        <button type="button" className="comments-new" onClick={() => scrollToEnd(true)}>
          <ArrowDownIcon size={14} />
          {unseen === 1 ? '1 new comment' : `${unseen} new comments`}
        </button>
      )}
      {blocked ? (
        <p className="comments-signin">
          The host turned off comments from guests.{' '}
          <Link to={signInPath(spacePath(spaceId))} className="text-link">
            Sign in to comment
          </Link>
        </p>
      ) : (
        <form className="comment-form" onSubmit={submit}>
          <input
            ref={input}
            className="comment-input"
            aria-label="Add a comment"
            placeholder="Add a comment…"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={left < 0 ? true : undefined}
            aria-describedby={left <= COUNT_FROM ? 'comment-left' : undefined}
            autoComplete="off"
            enterKeyHint="send"
          />
          {left <= COUNT_FROM && (
            <span id="comment-left" className={`comment-left${left < 0 ? ' is-over' : ''}`} aria-live="polite">
              {left}
            </span>
          )}
          <button type="submit" className="button button-primary button-small comment-send" disabled={!canSend} aria-label="Send">
            <SendIcon size={16} />
            <span className="comment-send-label">Send</span>
          </button>
        </form>
      )}
    </section>
  );
}

function CommentItem({
  comment,
  you,
  author,
  onAction,
  onMenu,
}: {
  comment: CommentView;
  you: PersonView | null;
  author: PersonView | null;
  onAction(action: CommentAction, comment: CommentView): void;
  onMenu(open: boolean): void;
}) {
  const items = commentItemsFor(you, comment.userId, author);
  const isYou = comment.userId === you?.userId;
  const role = author && author.role !== 'listener' ? author.role : null;
  // A guest's comment says so, whatever name they chose (names are neither unique nor handles).
  const guest = comment.name !== undefined || author?.guest === true || comment.userId.startsWith('guest:');
  const name = comment.name ?? comment.handle;
  return (
    <li className={`comment${isYou ? ' is-you' : ''}`} data-comment-id={comment.id}>
      <Avatar handle={name} size="xs" />
      <div className="comment-body">
        <p className="comment-head">
          <span className="comment-handle">{name}</span>
          {guest && <span className="comment-role role-guest">Guest</span>}
          {role && <span className={`comment-role role-${role}`}>{roleLabel(role)}</span>}
          <time className="comment-time" dateTime={comment.at}>
            {formatClockTime(comment.at)}
          </time>
        </p>
        <p className="comment-text">{comment.text}</p>
      </div>
      <PersonMenu
        handle={name}
        label={`Comment options for ${name}`}
        className="comment-menu"
        items={items}
        onSelect={(a) => onAction(a, comment)}
        onOpenChange={onMenu}
      />
    </li>
  );
}
