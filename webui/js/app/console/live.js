// The live visitor list's link to the server: watch over the socket, first paint over HTTP, details, invitations.
import { LiveVisitorList } from '../../console/live-visitors.js';

/** Statuses the inviting agent hears about (a toast), with the catalogue key of each. */
const TOLD = { accepted: 'visitors.toast.accepted', declined: 'visitors.toast.declined', ignored: 'visitors.toast.ignored' };

/** A refusal the server gave without a field, labelled with what was refused (field-errors-*.js). */
function about(error, what) {
  if (error && typeof error === 'object' && !error.field && ['conflict', 'not_found', 'forbidden'].includes(error.code)) {
    error.field = what;
  }
  return error;
}

/**
 * `send(frame)` sends on the console socket (false when it is down); `notify(text, kind)` shows a
 * toast. Views `subscribe(fn)`: called once per animation frame at most, however many frames came.
 */
export function createLiveVisitors({ api, me, t, send, notify = () => {} }) {
  const list = new LiveVisitorList();
  const listeners = new Set();
  const invitations = new Map(); // latest Invitation objects seen, by id
  let watchers = 0;
  let frame = 0;
  let loading = null;

  function changed() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      for (const listener of listeners) listener();
    });
  }

  function firstPaint() {
    loading ??= api.get('/api/visitors/live').then((answer) => {
      if (list.snapshot(answer, { socket: false })) changed();
    }).catch((error) => {
      live.error = error;
      changed();
    }).finally(() => { loading = null; });
    return loading;
  }

  const live = {
    list,
    error: null,
    invitations,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** A view shows the list: watch it (counted, so two views can show it). Returns `unwatch()`. */
    watch() {
      watchers += 1;
      if (watchers === 1) {
        live.error = null;
        list.fromSocket = false;
        send({ type: 'visitors_watch', watch: true });
        firstPaint();
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        watchers -= 1;
        if (!watchers) send({ type: 'visitors_watch', watch: false });
      };
    },
    /** After every (re)connect: a new socket starts not watching. */
    hello() {
      if (watchers) send({ type: 'visitors_watch', watch: true });
    },
    /** Frames of the agent socket this module handles; returns whether it took `data`. */
    handle(data) {
      if (data.type === 'visitors') {
        if (watchers && list.snapshot(data)) changed();
        return true;
      }
      if (data.type === 'visitors_delta') {
        if (watchers) {
          list.delta(data);
          changed();
        }
        return true;
      }
      if (data.type === 'invitation' && data.invitation && Number.isInteger(data.invitation.id)) {
        onInvitation(data.invitation);
        return true;
      }
      return false;
    },
    details: (id) => api.get(`/api/visitors/${Number(id)}`),
    async invite(id, message) {
      const { invitation } = await api.post(`/api/visitors/${Number(id)}/invite`, { message })
        .catch((error) => { throw about(error, 'invite'); });
      onInvitation(invitation, { quiet: true });
      return invitation;
    },
    async withdraw(invitationId) {
      const { invitation } = await api.post(`/api/invitations/${Number(invitationId)}/withdraw`, {})
        .catch((error) => { throw about(error, 'withdraw'); });
      onInvitation(invitation, { quiet: true });
      return invitation;
    },
    async block(visitor, reason) {
      const body = { kind: 'visitor', value: String(visitor.id), site_id: visitor.site_id, reason };
      const { block } = await api.post('/api/blocks', body);
      return block;
    },
  };

  function onInvitation(invitation, { quiet = false } = {}) {
    const before = invitations.get(invitation.id);
    invitations.set(invitation.id, invitation);
    list.invitation(invitation);
    const key = TOLD[invitation.status];
    if (!quiet && key && invitation.agent_id === me.id && before?.status !== invitation.status) {
      const visitor = list.get(invitation.visitor_id);
      notify(t(key, { name: visitor?.name || t('visitors.visitorNumber', { id: invitation.visitor_id }) }),
        invitation.status === 'accepted' ? 'success' : 'info');
    }
    changed();
  }

  return live;
}

export { about as labelRefusal };
