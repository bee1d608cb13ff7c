import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Length } from 'class-validator';
import { CheckRequestDto } from './check-request.dto.js';

const LEASE_ID = 'must be a string of 1 to 128 characters';

/**
 * The body of `POST /v1/check/release`: the check that took a concurrency slot (the same
 * `clientId`, `resource`, `tier` or `apiKey`, so the same rule is found) and its `leaseId`.
 *
 * @example
 * { "clientId": "acct_42", "resource": "POST /export", "leaseId": "k1x9...:42" }
 */
export class ReleaseRequestDto extends CheckRequestDto {
  @IsDefined({ message: 'is required' })
  @IsString({ message: LEASE_ID })
  @Length(1, 128, { message: LEASE_ID })
  @ApiProperty({ minLength: 1, maxLength: 128 })
  leaseId!: string;
}
