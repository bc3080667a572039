// The stage: large round avatars, a glowing ring on whoever talks, a mic-off badge,
// and the role under the name. The active speaker (the server's dominant speaker, who the
// stage video follows) is marked. Everyone gets a person menu on each avatar to pin that
// person on their stage video; moderators also find their controls there, and the host a
// stream key for a speaker who wants to publish from an encoder. In a broadcast the stage is
// a compact row under the video: the picture is what matters there.
import type { CSSProperties } from 'react';
import type { PersonView } from '../../../src/protocol/messages.js';
import { roleLabel } from '../lib/format.js';
import { byStageOrder, canIssueStreamKey, menuItemsFor, viewItemsFor, type MenuItem, type PersonAction, type ViewAction } from '../lib/menus.js';
import { Avatar } from './Avatar.js';
import { shownName } from './GuestName.js';
import { CameraIcon, MicOffIcon, PinIcon } from './Icons.js';
import { PersonMenu } from './PersonMenu.js';

type StageAction = PersonAction | ViewAction | 'streamKey';

/** More people than this on stage count as crowded. */
const CROWDED_FROM = 4;

interface Props {
  people: PersonView[];
  you: PersonView | null;
  speaking: ReadonlyMap<string, number>;
  /** The dominant speaker right now. */
  activeSpeaker: string | null;
  /** Whom this viewer pinned on the stage video. */
  pinnedId: string | null;
  /** False on the HLS tier: the broadcast is the same for everyone, so there is nothing to pin. */
  pinnable?: boolean;
  onAction(action: PersonAction, person: PersonView): void;
  onView(action: ViewAction, person: PersonView): void;
  /** The host asks for a WHIP stream key for this person. */
  onStreamKey?(person: PersonView): void;
  /** Small avatars in a row (a broadcast's stage, under its video). */
  compact?: boolean;
}

export function StageGrid({ people, you, speaking, activeSpeaker, pinnedId, pinnable = true, onAction, onView, onStreamKey, compact = false }: Props) {
  const ordered = byStageOrder(people);
  // A full stage (up to 13) takes smaller tiles where room is short (beside a stage video, on a
  // phone), so everyone stays in sight without scrolling.
  const crowded = !compact && ordered.length > CROWDED_FROM;
  return (
    <ul className={`stage-grid${compact ? ' is-compact' : ''}${crowded ? ' is-crowded' : ''}`}>
      {ordered.map((p) => (
        <StagePerson
          key={p.userId}
          person={p}
          isYou={p.userId === you?.userId}
          level={speaking.get(p.userId)}
          active={p.userId === activeSpeaker}
          pinned={pinnable && p.userId === pinnedId}
          compact={compact}
          items={stageItems(you, p, pinnable ? pinnedId : null, pinnable, onStreamKey !== undefined)}
          onSelect={(a) => (a === 'streamKey' ? onStreamKey?.(p) : a === 'pin' || a === 'unpin' ? onView(a, p) : onAction(a, p))}
        />
      ))}
    </ul>
  );
}

function stageItems(viewer: PersonView | null, person: PersonView, pinnedId: string | null, pinnable: boolean, streamKeys: boolean): MenuItem<StageAction>[] {
  const view: MenuItem<StageAction>[] = pinnable ? viewItemsFor(viewer, person, pinnedId) : [];
  if (streamKeys && canIssueStreamKey(viewer, person)) view.push({ action: 'streamKey', label: `Stream key for @${person.handle}` });
  const moderation: MenuItem<StageAction>[] = menuItemsFor(viewer, person);
  if (view.length > 0 && moderation.length > 0) moderation[0] = { ...moderation[0]!, separated: true };
  return [...view, ...moderation];
}

interface PersonProps {
  person: PersonView;
  isYou: boolean;
  level: number | undefined;
  active: boolean;
  pinned: boolean;
  compact: boolean;
  items: MenuItem<StageAction>[];
  onSelect(action: StageAction): void;
}

function StagePerson({ person, isYou, level, active, pinned, compact, items, onSelect }: PersonProps) {
  const talking = level !== undefined && !person.muted;
  return (
    <li
      className={`stage-person${person.connected ? '' : ' is-away'}${active ? ' is-active' : ''}`}
      data-speaking={talking ? 'true' : undefined}
      data-active={active ? 'true' : undefined}
      data-pinned={pinned ? 'true' : undefined}
      data-camera={person.camera ? 'on' : undefined}
      data-role={person.role}
      data-user-id={person.userId}
      style={{ '--level': talking ? Math.max(0.15, level ?? 0) : 0 } as CSSProperties}
    >
      <div className="stage-avatar">
        <Avatar handle={person.handle} size={compact ? 'sm' : 'lg'} level={talking ? level : undefined} dim={!person.connected} />
        {person.muted && (
          <span className="mute-badge" role="img" aria-label="Muted" title="Muted">
            <MicOffIcon size={compact ? 11 : 14} />
          </span>
        )}
        {(person.camera || pinned) && (
          <span className="stage-badges">
            {pinned && (
              <span className="stage-badge stage-badge-pin" role="img" aria-label="Pinned" title="Pinned on your stage video">
                <PinIcon size={12} />
              </span>
            )}
            {person.camera && (
              <span className="stage-badge" role="img" aria-label="Camera on" title="Camera on">
                <CameraIcon size={12} />
              </span>
            )}
          </span>
        )}
        {!compact && <PersonMenu handle={person.handle} items={items} onSelect={onSelect} className="stage-menu" />}
      </div>
      <span className="stage-handle">
        {active && (
          <span className="active-bars" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
        )}
        {shownName(person)}
      </span>
      <span className="stage-meta">
        <span className={`stage-role role-${person.role}`}>{roleLabel(person.role)}</span>
        {isYou && <span className="stage-you">· You</span>}
      </span>
      {active && <span className="visually-hidden">Active speaker</span>}
      {!person.connected && <span className="away-note">Reconnecting…</span>}
      {compact && <PersonMenu handle={person.handle} items={items} onSelect={onSelect} className="stage-menu-inline" />}
    </li>
  );
}
