// Requests to speak, oldest first; only hosts and co-hosts see it. The control bar's Requests
// control brings it into view and focus (REQUESTS_ID), so on a phone it is one tap away.
import type { PersonView } from '../../../src/protocol/messages.js';
import { Avatar } from './Avatar.js';
import { CheckIcon, CloseIcon } from './Icons.js';

export const REQUESTS_ID = 'requests-panel';

interface Props {
  requests: PersonView[];
  onApprove(person: PersonView): void;
  onDeny(person: PersonView): void;
}

export function RequestQueue({ requests, onApprove, onDeny }: Props) {
  return (
    <section id={REQUESTS_ID} className="panel requests" aria-label="Requests" tabIndex={-1}>
      <div className="panel-head">
        <h2>Requests</h2>
        {requests.length > 0 && <span className="count-pill count-pill-accent">{requests.length}</span>}
      </div>
      {requests.length === 0 ? (
        <p className="panel-empty">When listeners ask to speak, they show up here.</p>
      ) : (
        <ul className="request-list">
          {requests.map((p) => (
            <li key={p.userId} className="request">
              <Avatar handle={p.handle} size="sm" />
              <span className="request-handle">{p.handle}</span>
              <span className="request-actions">
                <button type="button" className="button button-primary button-tiny" onClick={() => onApprove(p)}>
                  <CheckIcon size={14} />
                  Approve
                </button>
                <button type="button" className="button button-secondary button-tiny" onClick={() => onDeny(p)}>
                  <CloseIcon size={14} />
                  Deny
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
