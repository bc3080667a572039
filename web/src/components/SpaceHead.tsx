// The top of the stage: Live, REC while the host records, the title, and a word about the
// HLS tier when the server put this listener there because the Space is crowded.
import type { TierView } from '../state/tier.js';
import { LowDataIcon } from './Icons.js';

interface Props {
  title: string;
  recording: boolean;
  tier: TierView;
}

export function SpaceHead({ title, recording, tier }: Props) {
  return (
    <div className="stage-head">
      <div className="stage-pills">
        <span className="live-pill">
          <span className="live-dot" aria-hidden="true" />
          Live
        </span>
        {recording && (
          <span className="rec-pill" title="The host is recording this Space for replay">
            <span className="rec-dot" aria-hidden="true" />
            <span>REC</span>
            <span className="visually-hidden">: this Space is being recorded</span>
          </span>
        )}
      </div>
      <div className="stage-head-text">
        <h1 className="space-title">{title}</h1>
        {tier.tier === 'hls' && tier.reason === 'capacity' && (
          <p className="tier-note" role="note">
            <LowDataIcon size={15} />
            <span>Lots of people are listening, so you're on the broadcast stream: a few seconds behind live.</span>
          </p>
        )}
      </div>
    </div>
  );
}
