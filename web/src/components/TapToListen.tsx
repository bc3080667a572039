// Shown when the browser refused to start audio without a tap; floats above the control bar.
import { VolumeIcon } from './Icons.js';

export function TapToListen({ onTap }: { onTap(): void }) {
  return (
    <div className="tap-to-listen">
      <button type="button" className="button button-primary button-large" onClick={onTap}>
        <VolumeIcon size={20} />
        Tap to listen
      </button>
    </div>
  );
}
