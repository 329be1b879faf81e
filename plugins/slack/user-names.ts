/** The part of the Web API client the name cache uses. */
export interface UsersInfoClient {
  users: { info(args: { user: string }): Promise<{ user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } } }> };
}

/** Options of {@link UserNames}. */
export interface UserNamesOptions {
  /** How long a resolved name is kept. */
  ttlMs: number;
  /** How long a failed lookup is not retried (the id is used meanwhile). */
  failureTtlMs: number;
  /** Longest wait for a lookup before the message goes on with the id (Slack wants its ack in 3 s). */
  waitMs: number;
  /** Most names kept (oldest dropped first). */
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  name: string | undefined;
  until: number;
}

/**
 * Display names of Slack users for the agent (message events carry only the user id). One
 * `users.info` call per user per `ttlMs`, shared by concurrent messages of that user; a lookup
 * slower than `waitMs` or failing leaves the message with the id rather than holding its ack.
 */
export class UserNames {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly now: () => number;

  constructor(
    private readonly client: UsersInfoClient,
    private readonly options: UserNamesOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The user's display name, or undefined when it is unknown (yet). */
  async nameOf(userId: string): Promise<string | undefined> {
    const entry = this.entries.get(userId);
    if (entry && entry.until > this.now()) return entry.name;
    let lookup = this.inFlight.get(userId);
    if (!lookup) {
      lookup = this.lookUp(userId);
      this.inFlight.set(userId, lookup);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.waitMs);
    });
    try {
      return await Promise.race([lookup, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookUp(userId: string): Promise<string | undefined> {
    let name: string | undefined;
    let ttl = this.options.ttlMs;
    try {
      const { user } = await this.client.users.info({ user: userId });
      name = nonEmpty(user?.profile?.display_name) ?? nonEmpty(user?.profile?.real_name) ?? nonEmpty(user?.real_name) ?? nonEmpty(user?.name);
    } catch {
      ttl = this.options.failureTtlMs;
    } finally {
      this.inFlight.delete(userId);
    }
    this.entries.delete(userId);
    this.entries.set(userId, { name, until: this.now() + ttl });
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return name;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
