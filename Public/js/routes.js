// Generated from Sources/App/Core/Endpoints.swift by `scripts/gen-routes` — do not edit.
// Every route the server serves: method and path. API paths are relative to /api/v1
// (api.js adds the prefix); `path(name, ...values)` fills the {placeholders} in order.

export const API_PREFIX = '/api/v1';

export const ROUTES = Object.freeze({
  health: Object.freeze({ method: 'GET', path: '/health', api: false }),
  ready: Object.freeze({ method: 'GET', path: '/ready', api: false }),
  metrics: Object.freeze({ method: 'GET', path: '/metrics', api: false }),
  docs: Object.freeze({ method: 'GET', path: '/docs', api: false }),
  openAPI: Object.freeze({ method: 'GET', path: '/openapi.json', api: true }),
  deadJobs: Object.freeze({ method: 'GET', path: '/ops/dead-jobs', api: true }),
  deadJobRetry: Object.freeze({ method: 'POST', path: '/ops/dead-jobs/{id}/retry', api: true }),
  deadJobDiscard: Object.freeze({ method: 'DELETE', path: '/ops/dead-jobs/{id}', api: true }),
  signup: Object.freeze({ method: 'POST', path: '/auth/signup', api: true }),
  login: Object.freeze({ method: 'POST', path: '/auth/login', api: true }),
  logout: Object.freeze({ method: 'POST', path: '/auth/logout', api: true }),
  me: Object.freeze({ method: 'GET', path: '/me', api: true }),
  changePassword: Object.freeze({ method: 'POST', path: '/me/password', api: true }),
  business: Object.freeze({ method: 'GET', path: '/business', api: true }),
  businessUpdate: Object.freeze({ method: 'PATCH', path: '/business', api: true }),
  staff: Object.freeze({ method: 'GET', path: '/staff', api: true }),
  staffAdd: Object.freeze({ method: 'POST', path: '/staff', api: true }),
  staffRemove: Object.freeze({ method: 'DELETE', path: '/staff/{id}', api: true }),
  tokens: Object.freeze({ method: 'GET', path: '/tokens', api: true }),
  tokenCreate: Object.freeze({ method: 'POST', path: '/tokens', api: true }),
  tokenRevoke: Object.freeze({ method: 'DELETE', path: '/tokens/{id}', api: true }),
  customers: Object.freeze({ method: 'GET', path: '/customers', api: true }),
  customerCreate: Object.freeze({ method: 'POST', path: '/customers', api: true }),
  customer: Object.freeze({ method: 'GET', path: '/customers/{id}', api: true }),
  customerUpdate: Object.freeze({ method: 'PATCH', path: '/customers/{id}', api: true }),
  customerDelete: Object.freeze({ method: 'DELETE', path: '/customers/{id}', api: true }),
  customerStatement: Object.freeze({ method: 'GET', path: '/customers/{id}/statement', api: true }),
  customerReminders: Object.freeze({ method: 'POST', path: '/customers/{id}/reminders', api: true }),
  products: Object.freeze({ method: 'GET', path: '/products', api: true }),
  productCreate: Object.freeze({ method: 'POST', path: '/products', api: true }),
  product: Object.freeze({ method: 'GET', path: '/products/{id}', api: true }),
  productUpdate: Object.freeze({ method: 'PATCH', path: '/products/{id}', api: true }),
  productDelete: Object.freeze({ method: 'DELETE', path: '/products/{id}', api: true }),
  productRestock: Object.freeze({ method: 'POST', path: '/products/{id}/restock', api: true }),
  productMovements: Object.freeze({ method: 'GET', path: '/products/{id}/movements', api: true }),
  invoices: Object.freeze({ method: 'GET', path: '/invoices', api: true }),
  invoiceCreate: Object.freeze({ method: 'POST', path: '/invoices', api: true }),
  invoice: Object.freeze({ method: 'GET', path: '/invoices/{id}', api: true }),
  invoiceUpdate: Object.freeze({ method: 'PATCH', path: '/invoices/{id}', api: true }),
  invoiceDelete: Object.freeze({ method: 'DELETE', path: '/invoices/{id}', api: true }),
  invoiceIssue: Object.freeze({ method: 'POST', path: '/invoices/{id}/issue', api: true }),
  invoiceVoid: Object.freeze({ method: 'POST', path: '/invoices/{id}/void', api: true }),
  invoicePDF: Object.freeze({ method: 'GET', path: '/invoices/{id}/pdf', api: true }),
  payments: Object.freeze({ method: 'GET', path: '/payments', api: true }),
  paymentCreate: Object.freeze({ method: 'POST', path: '/payments', api: true }),
  payment: Object.freeze({ method: 'GET', path: '/payments/{id}', api: true }),
  publicInvoicePDF: Object.freeze({ method: 'GET', path: '/p/invoices/{file}', api: false }),
  events: Object.freeze({ method: 'GET', path: '/events', api: true }),
  dashboard: Object.freeze({ method: 'GET', path: '/dashboard', api: true }),
  reports: Object.freeze({ method: 'GET', path: '/reports', api: true }),
  reportFile: Object.freeze({ method: 'GET', path: '/reports/{file}', api: true }),
  assistantMessages: Object.freeze({ method: 'GET', path: '/assistant/messages', api: true }),
  assistantSend: Object.freeze({ method: 'POST', path: '/assistant/messages', api: true }),
  assistantParse: Object.freeze({ method: 'POST', path: '/assistant/parse', api: true }),
  cardConfirm: Object.freeze({ method: 'POST', path: '/assistant/cards/{id}/confirm', api: true }),
  cardCancel: Object.freeze({ method: 'POST', path: '/assistant/cards/{id}/cancel', api: true }),
  cardEdit: Object.freeze({ method: 'POST', path: '/assistant/cards/{id}/edit', api: true }),
  channels: Object.freeze({ method: 'GET', path: '/channels', api: true }),
  channelCreate: Object.freeze({ method: 'POST', path: '/channels', api: true }),
  channel: Object.freeze({ method: 'GET', path: '/channels/{id}', api: true }),
  channelUpdate: Object.freeze({ method: 'PATCH', path: '/channels/{id}', api: true }),
  channelDelete: Object.freeze({ method: 'DELETE', path: '/channels/{id}', api: true }),
  channelTest: Object.freeze({ method: 'POST', path: '/channels/{id}/test', api: true }),
  inboxSessions: Object.freeze({ method: 'GET', path: '/inbox/sessions', api: true }),
  inboxSession: Object.freeze({ method: 'GET', path: '/inbox/sessions/{id}', api: true }),
  inboxMessages: Object.freeze({ method: 'GET', path: '/inbox/sessions/{id}/messages', api: true }),
  inboxReply: Object.freeze({ method: 'POST', path: '/inbox/sessions/{id}/messages', api: true }),
  inboxBot: Object.freeze({ method: 'POST', path: '/inbox/sessions/{id}/bot', api: true }),
  inboxRead: Object.freeze({ method: 'POST', path: '/inbox/sessions/{id}/read', api: true }),
  inboxMedia: Object.freeze({ method: 'GET', path: '/inbox/messages/{id}/media/{index}', api: true }),
  simulatorMessages: Object.freeze({ method: 'POST', path: '/simulator/messages', api: true }),
  twilioInbound: Object.freeze({ method: 'POST', path: '/webhooks/twilio/{channel_id}', api: false }),
  twilioStatus: Object.freeze({ method: 'POST', path: '/webhooks/twilio/{channel_id}/status', api: false }),
  integrations: Object.freeze({ method: 'GET', path: '/integrations', api: true }),
  integrationSave: Object.freeze({ method: 'PUT', path: '/integrations/{provider}', api: true }),
  integrationRemove: Object.freeze({ method: 'DELETE', path: '/integrations/{provider}', api: true }),
  workflowCatalog: Object.freeze({ method: 'GET', path: '/workflows/catalog', api: true }),
  workflowValidate: Object.freeze({ method: 'POST', path: '/workflows/validate', api: true }),
  workflowDraft: Object.freeze({ method: 'POST', path: '/workflows/draft', api: true }),
  workflows: Object.freeze({ method: 'GET', path: '/workflows', api: true }),
  workflowCreate: Object.freeze({ method: 'POST', path: '/workflows', api: true }),
  workflow: Object.freeze({ method: 'GET', path: '/workflows/{id}', api: true }),
  workflowReplace: Object.freeze({ method: 'PUT', path: '/workflows/{id}', api: true }),
  workflowUpdate: Object.freeze({ method: 'PATCH', path: '/workflows/{id}', api: true }),
  workflowDelete: Object.freeze({ method: 'DELETE', path: '/workflows/{id}', api: true }),
  workflowVersions: Object.freeze({ method: 'GET', path: '/workflows/{id}/versions', api: true }),
  workflowVersion: Object.freeze({ method: 'GET', path: '/workflows/{id}/versions/{n}', api: true }),
  workflowActivate: Object.freeze({ method: 'POST', path: '/workflows/{id}/activate', api: true }),
  workflowDeactivate: Object.freeze({ method: 'POST', path: '/workflows/{id}/deactivate', api: true }),
  workflowStartRun: Object.freeze({ method: 'POST', path: '/workflows/{id}/runs', api: true }),
  runs: Object.freeze({ method: 'GET', path: '/runs', api: true }),
  run: Object.freeze({ method: 'GET', path: '/runs/{id}', api: true }),
  runCancel: Object.freeze({ method: 'POST', path: '/runs/{id}/cancel', api: true }),
  runRetry: Object.freeze({ method: 'POST', path: '/runs/{id}/retry', api: true }),
  runApprove: Object.freeze({ method: 'POST', path: '/runs/{id}/approve', api: true }),
  runReject: Object.freeze({ method: 'POST', path: '/runs/{id}/reject', api: true }),
  workflowHook: Object.freeze({ method: 'POST', path: '/hooks/{public_id}', api: false }),
});

/** The path of route `name` with its {placeholders} filled in order, each value encoded. */
export function path(name, ...values) {
  const route = ROUTES[name];
  if (!route) throw new Error(`Unknown route: ${name}`);
  let i = 0;
  return route.path.replace(/\{[a-z_]+\}/g, () => {
    const v = values[i++];
    return encodeURIComponent(v === undefined || v === null ? '' : String(v));
  });
}

/** The absolute path (with /api/v1 for API routes), for links and EventSource. */
export function href(name, ...values) {
  return (ROUTES[name] && ROUTES[name].api ? API_PREFIX : '') + path(name, ...values);
}
