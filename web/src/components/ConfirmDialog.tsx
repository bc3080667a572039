// "Are you sure?" for what cannot be undone (removing someone, a host leaving). Like the End
// confirmation, Cancel has the focus: Enter or Space by habit must not do the irreversible thing.
import { useState, type ReactNode } from 'react';
import { Modal } from './Modal.js';

interface Props {
  title: string;
  /** The words of the button that does it (e.g. "Remove"). */
  confirmLabel: string;
  icon?: ReactNode;
  children?: ReactNode;
  onConfirm(): Promise<unknown>;
  onCancel(): void;
}

export function ConfirmDialog({ title, confirmLabel, icon, children, onConfirm, onCancel }: Props) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      title={title}
      icon={icon}
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
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Modal>
  );
}
