// My status (online/busy/away), activity pings, and the supervisors' live board of agents: state and I/O.
import { ActivityPacer, BOARD_REFRESH_MS, boardSite, isAgentStatus, knownStatus } from '../../console/presence.js';
import { seesAllOpen } from '../../console/store.js';

const FRAME_REFRESH_MS = 1500;

/**
 * `send(frame)` returns whether the socket took it; `changed()` redraws. The returned object holds
 * `status` (what the server last said), `statusError`, and `board` (`{open, siteId, agents, teams,
 * error, loading}`); `handle(frame)` takes the frames that are about presence and says if it did.
 */
export function createPresence({ api, me, send, changed }) {
  const pacer = new ActivityPacer();
  let timer = null;
  let frameTimer = null;
  let request = 0;
  const presence = {
    status: null,
    wanted: null, // chosen, not yet confirmed by the server
    statusError: null,
    board: { open: false, siteId: null, agents: [], teams: [], error: null, loading: false, loaded: false },
    mayLead: seesAllOpen(me.role),
  };

  function answered(status) {
    presence.status = knownStatus(status);
    presence.wanted = null;
    presence.statusError = null;
    changed();
  }

  /** Choose a status: over the socket when it is up (the answer is a `status` frame), else over HTTP. */
  presence.choose = (status) => {
    if (!isAgentStatus(status)) return;
    presence.statusError = null;
    presence.wanted = status;
    if (send({ type: 'status', status })) {
      pacer.sent();
      return;
    }
    api.post('/api/me/status', { status }).then((answer) => answered(answer.status), (error) => {
      presence.wanted = null;
      presence.statusError = error;
      changed();
    });
  };

  /** The agent touched the console: tell the server at most once a minute, so they do not turn away. */
  presence.activity = () => {
    if (pacer.due() && send({ type: 'activity' })) pacer.sent();
  };

  presence.hello = (status) => {
    pacer.reset();
    pacer.sent(); // connecting counts as activity
    if (status !== null && status !== undefined) answered(status);
    if (presence.board.open) loadBoard();
  };

  /** Presence frames (`status`, a refused `status`); others only nudge the board. Returns true if handled. */
  presence.handle = (frame) => {
    if (frame.type === 'status') {
      answered(frame.status);
      return true;
    }
    if (frame.type === 'error' && frame.request === 'status') {
      presence.wanted = null;
      presence.statusError = { code: frame.error?.code, message: frame.error?.message, field: frame.error?.field, status: 400 };
      changed();
      return true;
    }
    if (presence.board.open && (frame.type === 'conversation' || frame.type === 'queue')) {
      // Loads change with assignments and closings; one refresh for a burst of frames.
      frameTimer ??= setTimeout(() => {
        frameTimer = null;
        loadBoard();
      }, FRAME_REFRESH_MS);
    }
    return false;
  };

  async function loadBoard() {
    const board = presence.board;
    if (!board.open || board.siteId === null || document.hidden) return;
    const count = ++request;
    board.loading = true;
    try {
      const { agents } = await api.get(`/api/agents/status?${new URLSearchParams({ site_id: String(board.siteId) })}`);
      if (count !== request) return;
      board.agents = agents;
      board.error = null;
      board.loaded = true;
    } catch (error) {
      if (count !== request) return;
      board.error = error;
    } finally {
      if (count === request) board.loading = false;
      changed();
    }
  }
  presence.loadBoard = loadBoard;

  /** Show the board for `siteId` (one of `sites`, else the first); it refreshes every 10 s while open. */
  presence.openBoard = (sites, siteId = presence.board.siteId) => {
    const board = presence.board;
    const next = boardSite(sites, siteId);
    if (next !== board.siteId) {
      board.agents = [];
      board.loaded = false;
      board.error = null;
    }
    board.siteId = next;
    board.open = true;
    clearInterval(timer);
    timer = setInterval(loadBoard, BOARD_REFRESH_MS);
    if (!board.teams.length) {
      api.get('/api/teams').then(({ teams }) => {
        board.teams = teams;
        changed();
      }, () => {});
    }
    loadBoard();
    changed();
  };

  presence.closeBoard = () => {
    presence.board.open = false;
    clearInterval(timer);
    clearTimeout(frameTimer);
    timer = null;
    frameTimer = null;
    changed();
  };

  presence.teamName = (id) => presence.board.teams.find((team) => team.id === id)?.name || `#${id}`;
  return presence;
}
