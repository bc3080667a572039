// The top of the stage: Live (LIVE video for a broadcast), REC while the host records, the
// title, a word about the HLS tier when the server put this listener there because the Space
// is crowded, and the host's own tools at the end (streaming from an encoder).
import type { ReactNode } from 'react';
import type { TierView } from '../state/tier.js';
import { LowDataIcon } from './Icons.js';

interface Props {
  title: string;
  recording: boolean;
  tier: TierView;
  broadcast?: boolean;
  /** Under the title (a broadcast's host and audience). */
  meta?: ReactNode;
  /** At the end of the row (the host's tools). */
  actions?: ReactNode;
}

export function SpaceHead({ title, recording, tier, broadcast = false, meta, actions }: Props) {
  return (
    <div className={`stage-head${broadcast ? ' is-broadcast' : ''}`}>
      <div className="stage-pills">
        <span className="live-pill">
          <span className="live-dot" aria-hidden="true" />
          Live
          {broadcast && <span className="live-pill-kind"> video</span>}
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
        {meta}
        {tier.tier === 'hls' && tier.reason === 'capacity' && (
          <p className="tier-note" role="note">
            <LowDataIcon size={15} />
            <span>Lots of people are listening, so you're on the broadcast stream: a few seconds behind live.</span>
          </p>
        )}
        {tier.tier === 'hls' && tier.audioOnly && (
          <p className="tier-note" role="note">
            <LowDataIcon size={15} />
            <span>Low data mode: audio only, a few seconds behind live.</span>
          </p>
        )}
      </div>
      {actions && <div className="stage-head-actions">{actions}</div>}
    </div>
  );
}
