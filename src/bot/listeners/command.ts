import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { describeReportRequest, parseReportText, type ReportRequest, reportUsage } from '../../reports/index.js';
import { acceptQuestion, DEFAULT_REPORT_QUESTION, type IncomingQuestion, type IntakeResult, ReportAccountNotBound } from '../intake.js';
import { safeSlackText } from '../safe-text.js';
import type { ListenerDeps } from './context.js';
import { makeSharedChannelCheck, type SharedChannelAnswer } from './shared-channel.js';

export const REPORT_COMMAND = '/plainfra-report';
export { DEFAULT_REPORT_QUESTION };

/** What the report command reads of Bolt's arguments (all a unit test has to supply). */
export type ReportCommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack'>;

type SlashCommand = ReportCommandArgs['command'];

/** The one reply a command gets: its ack, seen only by the user who typed it. */
interface EphemeralReply {
  response_type: 'ephemeral';
  text: string;
}

const TRY_AGAIN = "Sorry, I couldn't take that request just now. Please try again in a minute.";
const ALREADY_ON_IT = 'Already on it — the answer will appear in this channel.';
const SHARED_UNKNOWN =
  "\n(I couldn't check whether this channel is shared with another organisation, so only bindings made for this exact channel count. " +
  'Does the app have the channels:read and groups:read scopes?)';

/**
 * `/plainfra-report [cost|security|all] [7d|30d|mtd|last-month] [account NAME]`: a cost + security
 * report for this channel's accounts, now. The words are parsed first: `help` or anything the
 * grammar does not know gets the usage back at once (ephemeral), with nothing recorded or queued,
 * so no AWS request and no LLM call. A valid request takes the same intake as a mention (dedupe,
 * scope, audit), flagged as a report: the sentinel computes the tables and the bot posts them in
 * the channel, starting a thread. The ephemeral ack says it was taken; with processBeforeResponse
 * it goes out once the request is durable, and it is the command's only reply.
 */
export function onReportCommand(deps: ListenerDeps): (args: ReportCommandArgs) => Promise<void> {
  const isShared = makeSharedChannelCheck(deps.fastClient, deps.logger);
  return async ({ command, ack }) => {
    deps.metrics.eventsReceived.inc({ type: 'slash_command' });
    const parsed = parseReportText(command.text ?? '');
    if (!parsed.ok) {
      deps.metrics.questionsRefused.inc({ reason: parsed.help ? 'report_help' : 'report_usage' });
      // The user's own words are echoed in the problem: escaped like any untrusted text.
      await ack(ephemeral(safeSlackText(reportUsage(parsed.problem), deps.links)));
      return;
    }
    await ack(await takeReport(deps, isShared, command, parsed.request));
  };
}

/** Runs a parsed request through intake and says what became of it. */
async function takeReport(
  deps: ListenerDeps,
  isShared: (channelId: string) => Promise<SharedChannelAnswer>,
  command: SlashCommand,
  request: ReportRequest,
): Promise<EphemeralReply> {
  const log = deps.logger.child({ triggerId: command.trigger_id, team: command.team_id, channel: command.channel_id });
  let channel: SharedChannelAnswer = { shared: true, known: false };
  let result: IntakeResult;
  try {
    channel = await isShared(command.channel_id);
    result = await acceptQuestion(deps, reportQuestion(command, request, channel.shared));
  } catch (err) {
    return intakeFailed(deps, log, err);
  }
  if (result.duplicate) {
    deps.metrics.duplicatesDropped.inc({ type: 'slash_command' });
    return ephemeral(ALREADY_ON_IT);
  }
  if (result.status === 'refused') {
    deps.metrics.questionsRefused.inc({ reason: result.reason });
    log.info({ turnId: result.turnId, reason: result.reason }, 'command refused');
    return ephemeral(safeSlackText(result.message + (channel.known ? '' : SHARED_UNKNOWN), deps.links));
  }
  log.info({ conversationId: result.conversationId, turnId: result.turnId }, 'command accepted');
  return ephemeral(`Working on it (${describeReportRequest(request)}) — I'll post the report in this channel.`);
}

/** The command as an intake question: the report's own words, or the default report's name. */
function reportQuestion(command: SlashCommand, request: ReportRequest, externallyShared: boolean): IncomingQuestion {
  return {
    source: 'slash_command',
    deliveryId: command.trigger_id,
    teamId: command.team_id,
    channelId: command.channel_id,
    userId: command.user_id,
    text: command.text.trim() ? `${DEFAULT_REPORT_QUESTION}: ${describeReportRequest(request)}` : DEFAULT_REPORT_QUESTION,
    externallyShared,
    command: command.command,
    report: true,
    reportRequest: request,
  };
}

/**
 * An account the channel may not query gets the list it may, with the usage; anything else is an
 * apology — Slack does not retry slash commands, so the user is told rather than left waiting.
 */
function intakeFailed(deps: ListenerDeps, log: Logger, err: unknown): EphemeralReply {
  if (err instanceof ReportAccountNotBound) {
    deps.metrics.questionsRefused.inc({ reason: 'report_account' });
    return ephemeral(safeSlackText(`${err.message}\n\n${reportUsage()}`, deps.links));
  }
  deps.metrics.intakeErrors.inc();
  log.error({ err: (err as Error).message }, 'command intake failed');
  return ephemeral(TRY_AGAIN);
}

function ephemeral(text: string): EphemeralReply {
  return { response_type: 'ephemeral', text };
}
