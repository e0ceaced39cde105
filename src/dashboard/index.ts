/**
 * The live dashboard (`rushnet dashboard`, docs/dashboard.md): a read-only web page per
 * network, served by rushnet itself and updated over server-sent events.
 */
export { type Dashboard, type DashboardOptions, startDashboard } from './server.js';
