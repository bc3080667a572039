import { useState } from 'react';
import { Avatar } from './Avatar.js';
import { Modal } from './Modal.js';

interface Props {
  hostHandle: string;
  yourHandle: string | null;
  onAccept(): Promise<unknown>;
  onDecline(): Promise<unknown>;
}

export function InviteDialog({ hostHandle, yourHandle, onAccept, onDecline }: Props) {
  const [busy, setBusy] = useState(false);
  const run = (fn: () => Promise<unknown>) => async () => {
    setBusy(true);
    await fn();
    setBusy(false);
  };
  return (
    <Modal
      title="You're invited to speak"
      icon={
        <span className="invite-faces">
          <Avatar handle={hostHandle} size="md" />
          {yourHandle && <Avatar handle={yourHandle} size="md" />}
        </span>
      }
      actions={
        <>
          <button type="button" className="button button-secondary" onClick={run(onDecline)} disabled={busy}>
            Decline
          </button>
          <button type="button" className="button button-primary" onClick={run(onAccept)} disabled={busy} data-autofocus>
            Accept
          </button>
        </>
      }
    >
      <p>Join the stage to talk with everyone. You can mute your microphone at any time.</p>
    </Modal>
  );
}
