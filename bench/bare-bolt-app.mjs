/**
 * The physical limit for bench/ack-burst.ts: a Bolt app from the project's own dependencies, same
 * receiver settings as the bot (HTTPReceiver, processBeforeResponse), whose app_mention listener does
 * nothing. Usage: node bench/bare-bolt-app.mjs PORT SIGNING_SECRET
 */
import bolt from '@slack/bolt';

const { App, HTTPReceiver, LogLevel } = bolt;
const [port, signingSecret] = process.argv.slice(2);
const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events', processBeforeResponse: true, logLevel: LogLevel.ERROR });
const app = new App({ token: 'xoxb-bare', botId: 'B0BARE', botUserId: 'U0PLAINFRA', receiver, logLevel: LogLevel.ERROR });
app.event('app_mention', async () => {});
await app.start(Number(port));
console.log('bare bolt app ready');
process.on('SIGTERM', () => app.stop().then(() => process.exit(0)));
