// The audience: the exact listener count and a compact list of (the first) listeners.
import type { PersonView } from '../../../src/protocol/messages.js';
import { listeningText, watchingText } from '../lib/format.js';
import { canInvite, menuItemsFor, type PersonAction } from '../lib/menus.js';
import { Avatar } from './Avatar.js';
import { shownName } from './GuestName.js';
import { HandIcon } from './Icons.js';
import { PersonMenu } from './PersonMenu.js';

interface Props {
  listeners: PersonView[];
  count: number;
  you: PersonView | null;
  onInvite(person: PersonView): void;
  onAction(action: PersonAction, person: PersonView): void;
  /** A broadcast's audience watches. */
  broadcast?: boolean;
}

export function ListenerList({ listeners, count, you, onInvite, onAction, broadcast = false }: Props) {
  const hidden = Math.max(0, count - listeners.length);
  return (
    <section className="panel listeners" aria-label="Listeners">
      <div className="panel-head">
        <h2>{broadcast ? 'Audience' : 'Listeners'}</h2>
        <p className="listener-count">{broadcast ? watchingText(count) : listeningText(count)}</p>
      </div>
      {listeners.length === 0 ? (
        <p className="panel-empty">No one in the audience yet. Share the link to bring people in.</p>
      ) : (
        <ul className="listener-list">
          {listeners.map((p) => {
            const isYou = p.userId === you?.userId;
            return (
              <li key={p.userId} className={`listener${p.connected ? '' : ' is-away'}`}>
                <Avatar handle={shownName(p)} size="sm" dim={!p.connected} />
                <span className="listener-name">
                  <span className="listener-handle">{shownName(p)}</span>
                  {(isYou || p.guest || p.requested) && (
                    <span className="listener-meta">
                      {isYou && <span className="you-tag">You</span>}
                      {p.guest && <span className="tag">Guest</span>}
                      {p.requested && (
                        <span className="tag tag-accent" title="Asked to speak">
                          <HandIcon size={12} /> Asked
                        </span>
                      )}
                    </span>
                  )}
                </span>
                <span className="listener-actions">
                  {canInvite(you, p) && (
                    <button type="button" className="button button-secondary button-tiny" onClick={() => onInvite(p)}>
                      Invite to speak
                    </button>
                  )}
                  <PersonMenu handle={shownName(p)} items={menuItemsFor(you, p)} onSelect={(a) => onAction(a, p)} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {hidden > 0 && <p className="panel-more">and {hidden.toLocaleString()} more</p>}
    </section>
  );
}
