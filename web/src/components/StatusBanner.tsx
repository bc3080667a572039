// Connection state over the page: connecting, reconnecting, or lost with a way back.
import type { ConnectionStatus } from '../../../src/sdk/signalling.js';

interface Props {
  status: ConnectionStatus;
  onRejoin(): void;
}

export function StatusBanner({ status, onRejoin }: Props) {
  if (status === 'connected') return null;
  if (status === 'closed') {
    return (
      <div className="status-banner status-lost" role="alert">
        <span>You're disconnected.</span>
        <button type="button" className="button button-small button-on-banner" onClick={onRejoin}>
          Rejoin
        </button>
      </div>
    );
  }
  return (
    <div className="status-banner" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}</span>
    </div>
  );
}
