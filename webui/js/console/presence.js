// Agents' presence without I/O: the statuses one may choose, activity pacing, the supervisors' board.
import { byActivity, inView } from './store.js';

/** What an agent may choose (protocol: the `status` frame); `offline` is what closing the console means. */
export const AGENT_STATUSES = ['online', 'busy', 'away'];
/** Everything the server may report for an agent, best available first. */
export const ALL_STATUSES = ['online', 'busy', 'away', 'offline'];
/** How often, at most, the console tells the server the agent is at it. */
export const ACTIVITY_GAP_MS = 60000;
/** How often the supervisors' board asks for agents' status and load. */
export const BOARD_REFRESH_MS = 10000;

export function isAgentStatus(value) {
  return AGENT_STATUSES.includes(value);
}

/** A status the server reported, or null for anything else. */
export function knownStatus(value) {
  return ALL_STATUSES.includes(value) ? value : null;
}

/**
 * Paces `{"type":"activity"}` frames: `due()` says whether one should go now (at most one per
 * `gapMs`); call `sent()` once it went, `reset()` after a reconnect (a new socket knows nothing).
 */
export class ActivityPacer {
  constructor({ gapMs = ACTIVITY_GAP_MS, now = () => Date.now() } = {}) {
    this.gapMs = gapMs;
    this.now = now;
    this.last = -Infinity;
  }

  due() {
    return this.now() - this.last >= this.gapMs;
  }

  sent() {
    this.last = this.now();
  }

  reset() {
    this.last = -Infinity;
  }
}

/** The board's agents: by status (online first), then fewest chats, then name. */
export function sortAgents(agents) {
  const rank = (agent) => {
    const index = ALL_STATUSES.indexOf(agent.status);
    return index < 0 ? ALL_STATUSES.length : index;
  };
  return [...agents].sort((a, b) => rank(a) - rank(b)
    || (a.active_chats ?? 0) - (b.active_chats ?? 0)
    || String(a.display_name).localeCompare(String(b.display_name)) || a.id - b.id);
}

/** Whether an agent can take one more chat now: online and below their limit. */
export function canTakeChat(agent) {
  const active = agent.active_chats ?? 0;
  return agent.status === 'online' && (!(agent.max_chats > 0) || active < agent.max_chats);
}

/**
 * The transfer picker: colleagues who can take the chat now first (least loaded first), then the
 * others by status; `preselect` is the first of them other than me (`meId`) who can take it, or
 * null (never someone offline, away, busy or full: then the agent must choose).
 */
export function transferChoices(agents, meId = null) {
  const sorted = sortAgents(agents);
  const ordered = [...sorted.filter(canTakeChat), ...sorted.filter((agent) => !canTakeChat(agent))];
  const first = ordered.find((agent) => agent.id !== meId && canTakeChat(agent));
  return { agents: ordered, preselect: first ? first.id : null };
}

/** "2 / 5" chats (or just "2" without a limit). */
export function loadText(agent) {
  const active = Number.isInteger(agent.active_chats) ? agent.active_chats : 0;
  return Number.isInteger(agent.max_chats) && agent.max_chats > 0 ? `${active} / ${agent.max_chats}` : String(active);
}

/** Share of the limit in use, 0–1 (0 without a limit): to colour a busy agent's load. */
export function loadShare(agent) {
  if (!(agent.max_chats > 0)) return 0;
  return Math.min(1, Math.max(0, (agent.active_chats ?? 0) / agent.max_chats));
}

/** `{status: n}` over the board's agents, every status present. */
export function statusCounts(agents) {
  const counts = Object.fromEntries(ALL_STATUSES.map((status) => [status, 0]));
  for (const agent of agents) if (Object.hasOwn(counts, agent.status)) counts[agent.status] += 1;
  return counts;
}

/** The site the board shows: the one asked for if it is among `sites`, else the first. */
export function boardSite(sites, wanted) {
  if (sites.some((site) => site.id === wanted)) return wanted;
  return sites.length ? sites[0].id : null;
}

/**
 * The live conversations of a site for the board: waiting ones first (longest wait first), then
 * the others by latest activity. `me` must be a supervisor or up to see other agents' chats.
 */
export function liveConversations(store, siteId, me) {
  const live = [...store.byId.values()].filter((c) => c.site_id === siteId && inView(c, 'open', me));
  const waiting = live.filter((c) => c.assignee_id === null)
    .sort((a, b) => Date.parse(a.created_at || 0) - Date.parse(b.created_at || 0) || a.id - b.id);
  const served = live.filter((c) => c.assignee_id !== null).sort(byActivity);
  return [...waiting, ...served];
}
