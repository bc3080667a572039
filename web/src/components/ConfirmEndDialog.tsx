import { useState } from 'react';
import { StopIcon } from './Icons.js';
import { Modal } from './Modal.js';

interface Props {
  onConfirm(): Promise<unknown>;
  onCancel(): void;
}

export function ConfirmEndDialog({ onConfirm, onCancel }: Props) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      title="End this Space for everyone?"
      icon={<StopIcon size={26} />}
      onDismiss={onCancel}
      actions={
        <>
          <button type="button" className="button button-secondary" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className="button button-danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              await onConfirm();
              setBusy(false);
            }}
          >
            End Space
          </button>
        </>
      }
    >
      <p>Everyone on stage and in the audience will be disconnected. This can't be undone.</p>
    </Modal>
  );
}
