import { Inject, Injectable } from '@nestjs/common';
import { ApiKeyDirectory } from '../api-keys/index.js';
import { AccessGate } from './access-gate.js';
import { ACCESS_OPTIONS, type AccessModuleOptions } from './access.options.js';
import { ApiKeyFailures } from './api-key-failures.js';
import { CallerAccessLists } from './caller-access-lists.js';

/**
 * The service's `CallerGate`: `AccessGate` over this node's blocks and allow list
 * (`CallerAccessLists`) and API keys (`ApiKeyDirectory`), an invalid key counted against the
 * address and against the service that passed it on, when one authenticated; past that service's
 * count, the keys it passes on are refused unchecked for a while (`ApiKeyFailures`).
 */
@Injectable()
export class ServiceCallerGate extends AccessGate {
  constructor(
    @Inject(CallerAccessLists) lists: CallerAccessLists,
    @Inject(ApiKeyDirectory) keys: ApiKeyDirectory,
    @Inject(ApiKeyFailures) failures: ApiKeyFailures,
    @Inject(ACCESS_OPTIONS) options: AccessModuleOptions,
  ) {
    super(
      { lists: () => lists.current, keys: () => keys.current },
      {
        blockedStatus: options.blockedStatus,
        onInvalidKey: (query) => void failures.record(query.ip, query.caller),
        keyRefusalMs: (query) => failures.callerRefusalMs(query.caller),
      },
    );
  }
}
