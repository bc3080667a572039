// What the synthetic participants say, and how they sound.
import type { Voice } from './audio.js';

export const SENTENCES: readonly string[] = [
  'I think we should move the launch to next Thursday, after the review is done.',
  'The numbers from last week look a lot better than we expected.',
  'Honestly, I have been using it every day and the battery still lasts until the evening.',
  'Can we talk about the pricing for a minute, because I am not sure it works for small teams.',
  'We tried that approach two years ago and it did not scale at all.',
  'My main worry is that nobody reads the documentation before they start.',
  'If you look at the chart, the drop happens right after the update went out.',
  'I would rather ship something small that works than a big thing that breaks.',
  'The community has been asking for this feature since the very first release.',
  'Let me give you an example from our own deployment in the spring.',
  'There are really three problems here, and they are easy to confuse.',
  'First of all, thank you everyone for joining this evening.',
  'We had more than two thousand people on the waiting list by Friday.',
  'The hardest part was convincing the hosting provider to open the ports.',
  'It sounds simple, but the edge cases took us almost a month.',
  'I disagree, because the users who complain are not the ones who pay.',
  'What surprised me most was how quickly the new members found their way around.',
  'We should probably record this session so the others can listen later.',
  'The weather here has been terrible, so everyone is working from home.',
  'My advice would be to start with the smallest possible team.',
  'After the outage we rewrote the whole monitoring setup from scratch.',
  'People underestimate how much time goes into moderation every single week.',
  'I read the proposal twice, and I still do not understand the second part.',
  'The good news is that the fix is already merged and will go out tomorrow.',
  'We are hiring two more engineers, so please share the posting.',
  'When I started, there was no manual and no one to ask.',
  'You have to remember that most of our listeners are on their phones.',
  'The latency went down from four hundred milliseconds to about ninety.',
  'Let us take one more question from the audience before we wrap up.',
  'To be fair, the old version had its own problems too.',
  'Maybe we can split the work so that each group owns one part.',
  'I was at the conference in Berlin last month and everyone talked about this.',
  'That is exactly why we decided to keep the servers in Europe.',
  'It is not about the money, it is about trust.',
  'Let me push back on that a little bit.',
  'The survey results should be ready by the end of the month.',
];

/** Short turns: a single short sentence (about 1 to 2.5 s). */
export const SHORT_SENTENCES: readonly string[] = [
  'Sounds good to me.',
  'No, I do not think so.',
  'That is a fair point.',
  'Let me check that later.',
  'I agree with Sarah on this.',
  'We can do that tomorrow.',
  'Good question, actually.',
  'Not yet, but soon.',
  'I am not convinced.',
  'Same here, to be honest.',
];

/** One-word (or two-word) backchannels: they never take the floor. */
export const BACKCHANNELS: readonly string[] = [
  'yeah',
  'mm-hmm',
  'right',
  'okay',
  'uh-huh',
  'I see',
  'sure',
  'yes',
  'wow',
  'exactly',
  'true',
  'oh really',
  'hmm',
  'got it',
  'yeah yeah',
  'right right',
  'nice',
];

export const VOICE_NAMES: readonly string[] = [
  'en-us',
  'en-gb',
  'en+f3',
  'en-us+f2',
  'en+m3',
  'en-gb-scotland',
  'en-us+f4',
  'en+m7',
  'en-029',
  'en-gb-x-rp+f5',
  'en+klatt',
  'en-us+m2',
  'en+f1',
  'en-gb+m4',
];

export function voiceOf(name: string, speed: number, pitch: number, wordGap: number): Voice {
  return { name, speed, pitch, wordGap };
}
