"""Chat: Ownermap where the team already talks. Slack is the one connection today
(ownership/chat/slack): its requests are verified there, and its messages are built there from
what the rest of the app already knows (lookup answers, tasks, notices). Nothing outside this
package names Slack, so that another chat can sit beside it."""
