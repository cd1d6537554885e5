// The standalone chat page (/chat/<site key>): the same chat UI, full-window, on the appliance's own origin.
import { mount } from './chat.js';

const parts = location.pathname.split('/');
const siteKey = decodeURIComponent(parts.pop() || parts.pop() || '');
// Everything before /chat/<key> is the appliance's address (it may sit behind a path prefix).
const base = location.origin + location.pathname.replace(/\/chat\/[^/]*\/?$/, '');
const host = document.createElement('kefu-widget');
const root = host.attachShadow({ mode: 'open' });
const wrap = document.createElement('div');
wrap.className = 'k';
root.append(wrap);
document.body.append(host);
mount({ root, wrap, base, siteKey, standalone: true, identify: null, emit() {} });
