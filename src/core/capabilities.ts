/** What a channel can do; the router and the scheduler adapt to it. */
export interface ChannelCapabilities {
  /** Longest text one platform message may hold, in the platform's own unit (see `measure`). */
  maxMessageLength: number;
  /** The format `render` produces. */
  format: 'plain' | 'markdown' | 'html' | 'mrkdwn';
  threads: boolean;
  typing: boolean;
  edits: boolean;
}
