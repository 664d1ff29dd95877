import type { App } from '@slack/bolt';
import { describeReportRequest, parseReportText, reportUsage } from '../../reports/index.js';
import { acceptQuestion, DEFAULT_REPORT_QUESTION, ReportAccountNotBound } from '../intake.js';
import { safeSlackText } from '../safe-text.js';
import type { ListenerDeps } from './context.js';
import { makeSharedChannelCheck } from './shared-channel.js';

export const REPORT_COMMAND = '/plainfra-report';
export { DEFAULT_REPORT_QUESTION };

/**
 * `/plainfra-report [cost|security|all] [7d|30d|mtd|last-month] [account NAME]`: a cost + security
 * report for this channel's accounts, now. The words are parsed first: `help` or anything the
 * grammar does not know gets the usage back at once (ephemeral), with nothing recorded or queued,
 * so no AWS request and no LLM call. A valid request takes the same intake as a mention (dedupe,
 * scope, audit), flagged as a report: the sentinel computes the tables and the bot posts them in
 * the channel, starting a thread. The ephemeral ack says it was taken.
 */
export function registerCommands(app: App, deps: ListenerDeps): void {
  const isShared = makeSharedChannelCheck(deps.fastClient, deps.logger);
  app.command(REPORT_COMMAND, async ({ command, ack }) => {
    deps.metrics.eventsReceived.inc({ type: 'slash_command' });
    const log = deps.logger.child({ triggerId: command.trigger_id, team: command.team_id, channel: command.channel_id });
    const parsed = parseReportText(command.text ?? '');
    if (!parsed.ok) {
      deps.metrics.questionsRefused.inc({ reason: parsed.help ? 'report_help' : 'report_usage' });
      // The user's own words are echoed in the problem: escaped like any untrusted text.
      await ack({ response_type: 'ephemeral', text: safeSlackText(reportUsage(parsed.problem), deps.links) });
      return;
    }
    const request = parsed.request;
    let result: Awaited<ReturnType<typeof acceptQuestion>>;
    let channel = { shared: true, known: false };
    try {
      channel = await isShared(command.channel_id);
      result = await acceptQuestion(deps, {
        source: 'slash_command',
        deliveryId: command.trigger_id,
        teamId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        text: command.text.trim() ? `${DEFAULT_REPORT_QUESTION}: ${describeReportRequest(request)}` : DEFAULT_REPORT_QUESTION,
        externallyShared: channel.shared,
        command: command.command,
        report: true,
        reportRequest: request,
      });
    } catch (err) {
      if (err instanceof ReportAccountNotBound) {
        deps.metrics.questionsRefused.inc({ reason: 'report_account' });
        await ack({ response_type: 'ephemeral', text: safeSlackText(`${err.message}\n\n${reportUsage()}`, deps.links) });
        return;
      }
      // Slack does not retry slash commands: tell the user rather than fail silently.
      deps.metrics.intakeErrors.inc();
      log.error({ err: (err as Error).message }, 'command intake failed');
      await ack({ response_type: 'ephemeral', text: "Sorry, I couldn't take that request just now. Please try again in a minute." });
      return;
    }
    if (result.duplicate) {
      deps.metrics.duplicatesDropped.inc({ type: 'slash_command' });
      await ack({ response_type: 'ephemeral', text: 'Already on it — the answer will appear in this channel.' });
      return;
    }
    if (result.status === 'refused') {
      deps.metrics.questionsRefused.inc({ reason: result.reason });
      log.info({ turnId: result.turnId, reason: result.reason }, 'command refused');
      const unsure = channel.known
        ? ''
        : "\n(I couldn't check whether this channel is shared with another organisation, so only bindings made for this exact channel count. " +
          'Does the app have the channels:read and groups:read scopes?)';
      await ack({ response_type: 'ephemeral', text: safeSlackText(result.message + unsure, deps.links) });
      return;
    }
    log.info({ conversationId: result.conversationId, turnId: result.turnId }, 'command accepted');
    await ack({
      response_type: 'ephemeral',
      text: `Working on it (${describeReportRequest(request)}) — I'll post the report in this channel.`,
    });
  });
}
