// React's view of a live session: one hook per slice, each on useSyncExternalStore, so a
// component re-renders when the part it reads changes and not when another part does.
import { useSyncExternalStore } from 'react';
import type { CommentView, PersonView } from '../../../../src/protocol/messages.js';
import type { MediaView } from './browserMedia.js';
import type { SpaceSessionController } from './controller.js';
import type { Slice } from './slice.js';
import type { AudienceView, ConnectionView, MeView, SpaceDetails, StageVideoState, TierSlice } from './types.js';

export function useSlice<T>(slice: Slice<T>): T {
  return useSyncExternalStore(slice.subscribe, slice.getSnapshot);
}

export const useSpaceConnection = (c: SpaceSessionController): ConnectionView => useSlice(c.connection);
export const useSpaceDetails = (c: SpaceSessionController): SpaceDetails => useSlice(c.details);
export const useSpaceStage = (c: SpaceSessionController): PersonView[] => useSlice(c.stage);
export const useSpaceAudience = (c: SpaceSessionController): AudienceView => useSlice(c.audience);
export const useSpaceMe = (c: SpaceSessionController): MeView => useSlice(c.me);
export const useSpaceChat = (c: SpaceSessionController): CommentView[] => useSlice(c.chat);
export const useSpaceSpeaking = (c: SpaceSessionController): ReadonlyMap<string, number> => useSlice(c.speaking);
export const useActiveSpeaker = (c: SpaceSessionController): string | null => useSlice(c.activeSpeaker);
export const useStageVideo = (c: SpaceSessionController): StageVideoState => useSlice(c.stageVideo);
export const usePinned = (c: SpaceSessionController): string | null => useSlice(c.pinned);
export const useSpaceTier = (c: SpaceSessionController): TierSlice => useSlice(c.tier);
export const useSpaceMedia = (m: { view: Slice<MediaView> }): MediaView => useSlice(m.view);
