import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminActor, AdminRoute } from '../admin/index.js';
// A value import on purpose: the validation pipe reads the DTO class from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { PutSystemStateDto } from './dto/put-system-state.dto.js';
import { SystemStateResponse, SystemStateWriteResponse } from './dto/system-state.response.js';
import { SystemStateRepository } from './system-state.repository.js';

/**
 * `GET/PUT /v1/admin/system/state`: NORMAL or DEGRADED, for the whole fleet. A change reaches every
 * node like a rule change; rules with per-state limits switch to the state's limits at once.
 */
@Controller('v1/admin/system/state')
export class SystemStateController {
  constructor(@Inject(SystemStateRepository) private readonly states: SystemStateRepository) {}

  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: "The fleet's load state: NORMAL or DEGRADED" })
  @ApiOkResponse({ type: SystemStateResponse })
  get(): Promise<SystemStateResponse> {
    return this.states.get();
  }

  @Put()
  @AdminRoute('write')
  @ApiOperation({ summary: "Set the fleet's load state (rules with per-state limits switch at once)" })
  @ApiOkResponse({ type: SystemStateWriteResponse })
  put(@Body() body: PutSystemStateDto, @AdminActor() actor: string): Promise<SystemStateWriteResponse | undefined> {
    return this.states.set(body.state, actor, body.reason);
  }
}
