/** Injection token of the options given to `NodesModule.forRoot()` / `forRootAsync()`. */
export const NODES_OPTIONS = Symbol('NodesModuleOptions');

/** Where the node list is served. */
export const NODES_PATH = '/v1/admin/nodes';
