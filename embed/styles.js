// The chat panel's stylesheet (the launcher's is in loader.js); it lives inside the chat page's shadow root only.

export const PANEL_CSS = `
:host{all:initial!important}
[hidden]{display:none!important}
.panel{position:fixed;z-index:2147483000;bottom:88px;right:20px;width:370px;height:min(620px,calc(100vh - 108px));display:flex;flex-direction:column;overflow:hidden;box-sizing:border-box;background:#fff;color:#1f2328;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.18);font:14px/1.45 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Segoe UI",Roboto,sans-serif;text-align:left}
.left .panel{right:auto;left:20px}
.panel *{box-sizing:border-box}
.head{display:flex;align-items:center;gap:10px;padding:14px 16px;background:var(--c,#1f6feb);color:#fff}
.logo{width:38px;height:38px;border-radius:50%;object-fit:cover;background:#fff}
.who{flex:1;min-width:0;display:flex;flex-direction:column}
.name{font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.greet{font-size:13px;opacity:.9;white-space:pre-wrap}
button{font:inherit;color:inherit;cursor:pointer;border:0;background:none;padding:0}
.x{font-size:26px;line-height:1;width:32px;height:32px;border-radius:8px;color:#fff}
.x:hover{background:rgba(255,255,255,.18)}
.banner{padding:6px 14px;background:#fff4e5;color:#8a5300;font-size:12px}
.list{flex:1;overflow-y:auto;margin:0;padding:12px;list-style:none;background:#f6f7f9;display:flex;flex-direction:column}
.msg{display:flex;flex-direction:column;align-items:flex-start;max-width:82%;margin:4px 0}
.msg.visitor{align-self:flex-end;align-items:flex-end}
.msg.system,.notice{align-self:center;max-width:92%;text-align:center;color:#6e7781;font-size:12px;margin:8px 0}
.bubble{padding:8px 12px;border-radius:14px;background:#fff;border:1px solid #e4e7eb;white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere}
.visitor .bubble{background:var(--c,#1f6feb);border-color:transparent;color:#fff}
.bubble a{color:inherit;text-decoration:underline}
.visitor[data-state=sending] .bubble{opacity:.75}
.visitor[data-state=failed] .bubble{background:#d1242f}
.meta{font-size:11px;color:#8c959f;margin-top:2px}
.img{display:block;min-width:80px;min-height:60px;border-radius:8px;background:#e9ebef}
.img img{display:block;max-width:220px;max-height:260px;border-radius:8px}
.file{display:block;text-decoration:none!important}
.typing{padding:4px 14px;font-size:12px;color:#6e7781;background:#f6f7f9}
.note{padding:6px 14px;font-size:12px;color:#d1242f}
.icon:hover{background:#f0f2f4}
.compose{display:flex;align-items:flex-end;gap:4px;padding:8px;border-top:1px solid #eaeef2;background:#fff;margin:0}
.icon{width:34px;height:36px;border-radius:8px;font-size:19px;color:#57606a;display:flex;align-items:center;justify-content:center}
.icon svg{width:21px;height:21px;fill:currentColor}
textarea{flex:1;min-width:0;resize:none;border:1px solid #d0d7de;border-radius:8px;padding:7px 10px;font:inherit;color:inherit;background:#fff;max-height:120px;outline:none}
textarea:focus{border-color:var(--c,#1f6feb)}
.send{height:36px;padding:0 14px;border-radius:8px;background:var(--c,#1f6feb);color:#fff;font-weight:600}
.hint{padding:0 10px 6px;font-size:11px;color:#8c959f;background:#fff}
.drop{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;background:rgba(255,255,255,.92);border:2px dashed var(--c,#1f6feb);border-radius:inherit;font-size:16px;color:var(--c,#1f6feb);pointer-events:none}
.standalone .panel,.embed .panel{inset:0;width:auto;height:auto;max-width:760px;margin:0 auto;border-radius:0;box-shadow:none}
@media (prefers-color-scheme:dark){
:host{color-scheme:dark}
.panel{background:#161b22;color:#e6edf3}
.list{background:#0d1117}
.bubble{background:#21262d;border-color:#30363d}
.compose,.hint{background:#161b22;border-color:#30363d}
textarea{background:#0d1117;border-color:#3d444d}
.icon,.meta,.typing,.hint,.msg.system,.notice{color:#9198a1}
.typing{background:#0d1117}
.icon:hover{background:#21262d}
.banner{background:#3a2d00;color:#f2cc60}
.note{color:#ff7b72}
.drop{background:rgba(13,17,23,.92)}
}
@media (max-width:480px){
.k .panel{inset:0;width:auto;height:auto;border-radius:0}
textarea{font-size:16px}
}
`;
