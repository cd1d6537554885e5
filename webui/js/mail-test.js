// The mail settings' "send test" answer in words, without the DOM: a sentence per kind of failure, the server's detail after it.

/** Python exception names in the server's delivery error ("ConnectionRefusedError: [Errno 111] …"), by what went wrong. */
const FAILURE_KINDS = [
  ['timeout', /^(TimeoutError|timeout)\b/],
  ['auth', /^SMTPAuthenticationError\b/],
  ['tls', /^(SSL\w*Error|SMTPNotSupportedError)\b/],
  ['refused', /^(SMTPRecipientsRefused|SMTPSenderRefused|SMTPDataError|SMTPResponseException)\b/],
  ['connect', /^(ConnectionRefusedError|ConnectionResetError|ConnectionAbortedError|ConnectionError|gaierror|herror|OSError|SMTPConnectError|SMTPServerDisconnected|SMTPHeloError)\b/],
  ['notConfigured', /^SMTP is not configured$/],
];

/** Which failure an error text of the outbox is: one of FAILURE_KINDS' names, else `other`. */
export function mailFailureKind(error) {
  const text = String(error ?? '').trim();
  for (const [kind, pattern] of FAILURE_KINDS) if (pattern.test(text)) return kind;
  return 'other';
}

/**
 * `{sent, lead, detail}` of POST /api/settings/smtp/test: the lead a translated sentence (sent to
 * whom; or why not, and that it stays queued), the detail the server's technical text or null.
 */
export function mailTestText(result, t) {
  if (result.sent) return { sent: true, lead: t('smtp.test.sent', { to: result.mail?.to ?? '' }), detail: null };
  const error = String(result.error || result.mail?.last_error || '').trim();
  const lead = t('smtp.test.failed', { reason: t(`smtp.test.failed.${mailFailureKind(error)}`) });
  return { sent: false, lead, detail: error ? t('smtp.test.detail', { detail: error }) : null };
}
