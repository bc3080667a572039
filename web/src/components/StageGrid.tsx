// The stage: large round avatars, a glowing ring on whoever talks, a mic-off badge,
// and the role under the name. Moderators get a person menu on each avatar.
import type { CSSProperties } from 'react';
import type { PersonView } from '../../../src/protocol/messages.js';
import { roleLabel } from '../lib/format.js';
import { byStageOrder, menuItemsFor, type PersonAction } from '../lib/permissions.js';
import { Avatar } from './Avatar.js';
import { MicOffIcon } from './Icons.js';
import { PersonMenu } from './PersonMenu.js';

interface Props {
  people: PersonView[];
  you: PersonView | null;
  speaking: ReadonlyMap<string, number>;
  onAction(action: PersonAction, person: PersonView): void;
}

export function StageGrid({ people, you, speaking, onAction }: Props) {
  const ordered = byStageOrder(people);
  return (
    <ul className="stage-grid">
      {ordered.map((p) => (
        <StagePerson
          key={p.userId}
          person={p}
          isYou={p.userId === you?.userId}
          level={speaking.get(p.userId)}
          viewer={you}
          onAction={onAction}
        />
      ))}
    </ul>
  );
}

interface PersonProps {
  person: PersonView;
  isYou: boolean;
  level: number | undefined;
  viewer: PersonView | null;
  onAction(action: PersonAction, person: PersonView): void;
}

function StagePerson({ person, isYou, level, viewer, onAction }: PersonProps) {
  const talking = level !== undefined && !person.muted;
  const items = menuItemsFor(viewer, person);
  return (
    <li
      className={`stage-person${person.connected ? '' : ' is-away'}`}
      data-speaking={talking ? 'true' : undefined}
      data-role={person.role}
      style={{ '--level': talking ? Math.max(0.15, level ?? 0) : 0 } as CSSProperties}
    >
      <div className="stage-avatar">
        <Avatar handle={person.handle} size="lg" level={talking ? level : undefined} dim={!person.connected} />
        {person.muted && (
          <span className="mute-badge" role="img" aria-label="Muted" title="Muted">
            <MicOffIcon size={14} />
          </span>
        )}
        <PersonMenu handle={person.handle} items={items} onSelect={(a) => onAction(a, person)} className="stage-menu" />
      </div>
      <span className="stage-handle">{person.handle}</span>
      <span className="stage-meta">
        <span className={`stage-role role-${person.role}`}>{roleLabel(person.role)}</span>
        {isYou && <span className="stage-you">· You</span>}
      </span>
      {!person.connected && <span className="away-note">Reconnecting…</span>}
    </li>
  );
}
