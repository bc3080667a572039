import { StopIcon } from './Icons.js';
import { ConfirmDialog } from './ConfirmDialog.js';

interface Props {
  onConfirm(): Promise<unknown>;
  onCancel(): void;
}

export function ConfirmEndDialog({ onConfirm, onCancel }: Props) {
  return (
    <ConfirmDialog title="End this Space for everyone?" confirmLabel="End Space" icon={<StopIcon size={26} />} onConfirm={onConfirm} onCancel={onCancel}>
      <p>Everyone on stage and in the audience will be disconnected. This can't be undone.</p>
    </ConfirmDialog>
  );
}
