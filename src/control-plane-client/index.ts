/**
 * The control plane for apps that embed only the limiter: `import { ControlPlaneClient,
 * ControlPlaneClientModule } from 'floodgate/control-plane-client'`. Redis only; nothing here
 * touches the database.
 */
export { ControlPlaneClient, type ControlPlaneClientOptions, type LeftOutRow } from './control-plane-client.js';
export { CONTROL_PLANE_CLIENT_OPTIONS, ControlPlaneClientModule } from './control-plane-client.module.js';
export { DEFAULT_RULES_CHANNEL } from '../rules/rules-bus.js';
