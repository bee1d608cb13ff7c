/** API keys and tiers: the admin API and the node's directory the limiter resolves keys with. */
export { ApiKeyDirectory } from './api-key-directory.js';
export { type ApiKeyResolution, type ApiKeyRow, ApiKeyTable } from './api-key-table.js';
export { API_KEY_PREFIX, apiKeyHash, MAX_API_KEY_LENGTH, newApiKeySecret } from './api-key-secret.js';
export { type ApiKeyResponse, type ApiKeyStatus, type CreatedApiKeyResponse, toApiKeyResponse } from './api-key.js';
export { API_KEYS_PATH, ApiKeysController } from './api-keys.controller.js';
export { ApiKeyNotFoundException, ApiKeyRevokedException } from './api-keys.exceptions.js';
export { ApiKeysModule } from './api-keys.module.js';
export { type ApiKeyListQuery, ApiKeysRepository } from './api-keys.repository.js';
export { CreateApiKeyDto } from './dto/create-api-key.dto.js';
export { UpdateApiKeyDto } from './dto/update-api-key.dto.js';
