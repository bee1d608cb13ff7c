import { ApiProperty } from '@nestjs/swagger';

/** A caller at or over a limit of a policy, until when its usage has drained (or its refusal ends). */
export class OverLimitEntry {
  /** The rule's name (bounded); `policy` is the policy's (`rule|resource` for a per-resource rule). */
  @ApiProperty({ description: "The rule's name" })
  readonly rule!: string;

  @ApiProperty({ description: 'The policy: rule|resource for a per-resource rule' })
  readonly policy!: string;

  /** The limiter identity: `client:<clientId>`, `ip:<address>`, `apiKey:<hash>`, `user:<id>`. */
  @ApiProperty({
    description: 'The limiter identity: client:<clientId>, ip:<address>, apiKey:<hash>, user:<id>',
    example: 'client:heavy-user',
  })
  readonly identity!: string;

  /** Epoch ms. */
  @ApiProperty({ type: 'integer', description: 'Epoch ms' })
  readonly until!: number;
}

/** An entry as the view shows it: `internal` for the policies Floodgate counts for itself. */
export class OverLimitItem extends OverLimitEntry {
  @ApiProperty({
    description: "A policy Floodgate counts for itself (invalid API keys, failed admin logins), not an admin's rule",
  })
  readonly internal!: boolean;
}

/** A page of the board, the longest lasting first, and how many entries are in force in all. */
export class OverLimitPage {
  @ApiProperty({ type: () => [OverLimitItem] })
  readonly items!: readonly OverLimitItem[];

  @ApiProperty({ type: 'integer' })
  readonly total!: number;
}

/** A page as the board keeps it, before the view marks the internal policies. */
export interface OverLimitBoardPage {
  readonly items: readonly OverLimitEntry[];
  readonly total: number;
}
