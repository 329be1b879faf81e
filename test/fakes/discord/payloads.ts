/**
 * Builders for the Discord API v10 objects the fake sends (users, guilds, channels, messages), with
 * the fields discord.js v14 reads. Ids are real snowflakes (discord.js derives timestamps from them).
 */

const discordEpoch = 1_420_070_400_000n;
let increment = 0n;

/** A fresh snowflake id, increasing within a process. */
export function snowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - discordEpoch) << 22n) | (1n << 17n) | increment).toString();
}

/** API user object. */
export interface ApiUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

/** A user object. */
export function apiUser(id: string, username: string, bot = false): ApiUser {
  return { id, username, discriminator: '0', global_name: username, avatar: null, ...(bot ? { bot: true } : {}) };
}

/** Channel types the fake announces (discord-api-types ChannelType). */
export const ChannelKind = { GuildText: 0, DM: 1, PublicThread: 11 } as const;

/** A guild text channel as it appears in GUILD_CREATE. */
export function textChannel(id: string, guildId: string, name: string, position: number): Record<string, unknown> {
  return {
    id,
    type: ChannelKind.GuildText,
    guild_id: guildId,
    name,
    position,
    permission_overwrites: [],
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    parent_id: null,
  };
}

/** An active public thread as it appears in GUILD_CREATE `threads`. */
export function threadChannel(id: string, guildId: string, parentId: string, name: string): Record<string, unknown> {
  return {
    id,
    type: ChannelKind.PublicThread,
    guild_id: guildId,
    parent_id: parentId,
    name,
    owner_id: '1',
    last_message_id: null,
    message_count: 0,
    member_count: 1,
    rate_limit_per_user: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: false,
    },
  };
}

/** A role object. */
export function role(id: string, name: string, position: number): Record<string, unknown> {
  return {
    id,
    name,
    color: 0,
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: '0',
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

/** The GUILD_CREATE payload of a guild. */
export function guildCreate(guild: {
  id: string;
  name: string;
  channels: Array<Record<string, unknown>>;
  threads: Array<Record<string, unknown>>;
  roles: Array<Record<string, unknown>>;
  ownerId: string;
}): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: guild.roles,
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [],
    channels: guild.channels,
    threads: guild.threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
  };
}

/** A message object (MESSAGE_CREATE payload and REST answer). */
export function message(fields: {
  id: string;
  channelId: string;
  author: ApiUser;
  content: string;
  guildId?: string;
  memberRoles?: string[];
  mentions?: ApiUser[];
  reference?: { messageId: string; channelId: string; guildId?: string };
  referenced?: Record<string, unknown>;
  channelType?: number;
  nonce?: string | number;
}): Record<string, unknown> {
  return {
    id: fields.id,
    type: fields.reference ? 19 : 0,
    channel_id: fields.channelId,
    ...(fields.guildId !== undefined
      ? {
          guild_id: fields.guildId,
          member: { roles: fields.memberRoles ?? [], joined_at: new Date().toISOString(), deaf: false, mute: false },
        }
      : {}),
    ...(fields.channelType !== undefined ? { channel_type: fields.channelType } : {}),
    author: fields.author,
    content: fields.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: fields.mentions ?? [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    flags: 0,
    ...(fields.nonce !== undefined ? { nonce: fields.nonce } : {}),
    ...(fields.reference
      ? {
          message_reference: {
            type: 0,
            message_id: fields.reference.messageId,
            channel_id: fields.reference.channelId,
            ...(fields.reference.guildId !== undefined ? { guild_id: fields.reference.guildId } : {}),
          },
          referenced_message: fields.referenced ?? null,
        }
      : {}),
  };
}
