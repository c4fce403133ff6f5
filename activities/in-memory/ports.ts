import { createInMemoryPostureDirectory } from './posture';
import { ApplicationFailure } from '@temporalio/common';
import type { ContainmentRequest, EscalationNotice, UserQuestion } from '../../common/triage';
import { checkThenAct, checkThenUndo } from '../containment-protocol';
import type { ContainmentExecutor, EndpointDirectory, IdentityDirectory, Messenger, Ports } from '../ports';
import type { World } from './world';

function identity(world: World): IdentityDirectory {
  return {
    async userProfile(ref) {
      world.fault('userProfile');
      const user = world.findUser(ref);
      const manager = user.managerId ? world.data.users.find((u) => u.id === user.managerId) : undefined;
      return {
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        department: user.department,
        jobTitle: user.jobTitle,
        accountEnabled: user.accountEnabled,
        onPremisesSyncEnabled: user.onPremisesSyncEnabled,
        manager: manager && { displayName: manager.displayName, userPrincipalName: manager.userPrincipalName },
      };
    },
    async groupMemberships(ref, limit) {
      world.fault('groupMemberships');
      const { groups } = world.findUser(ref);
      return { total: groups.length, truncated: groups.length > limit, groups: groups.slice(0, limit) };
    },
    async signIns(ref, since, limit) {
      world.fault('signIns');
      return world
        .findUser(ref)
        .signIns.filter((s) => s.at >= since)
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, limit);
    },
    async linkedDevices(ref, limit) {
      world.fault('linkedDevices');
      const { devices } = world.findUser(ref);
      return { devices: devices.slice(0, limit), truncated: devices.length > limit };
    },
    async riskState(ref) {
      world.fault('riskState');
      return world.findUser(ref).risk;
    },
  };
}

function endpoints(world: World): EndpointDirectory {
  return {
    async hostDetails(name) {
      world.fault('hostDetails');
      const { isolated: _isolated, ...details } = world.findHost(name);
      return details;
    },
  };
}

function containment(world: World): ContainmentExecutor {
  async function isInPlace(request: ContainmentRequest): Promise<boolean> {
    switch (request.action) {
      case 'disable-account':
        return !world.findUser(request.user!).accountEnabled;
      case 'revoke-sessions':
        return world.findUser(request.user!).sessionsValidFrom >= (request.requestedAt ?? new Date(0).toISOString());
      case 'isolate-host':
        return world.findHost(request.host!).isolated;
      case 'block-ip':
        return world.data.blockedIps.includes(request.ip!);
    }
  }
  return {
    isInPlace,

    async apply(request) {
      world.fault(request.action);
      switch (request.action) {
        case 'disable-account': {
          const user = world.findUser(request.user!);
          if (user.onPremisesSyncEnabled) {
            throw ApplicationFailure.nonRetryable(
              `${user.userPrincipalName} is synced from on-premises AD — disable it there`,
              'OnPremisesSynced',
            );
          }
          return checkThenAct({
            request,
            target: user.userPrincipalName,
            isInPlace: () => isInPlace(request),
            act: async () => {
              user.accountEnabled = false;
              world.countEffect(user.userPrincipalName, 'disable-account');
              await world.pauseAfterEffect('disable-account');
            },
            describe: { applied: 'account disabled', alreadyInPlace: 'account was already disabled' },
          });
        }
        case 'revoke-sessions': {
          const user = world.findUser(request.user!);
          return checkThenAct({
            request,
            target: user.userPrincipalName,
            isInPlace: () => isInPlace(request),
            act: async () => {
              user.sessionsValidFrom = new Date().toISOString();
              world.countEffect(user.userPrincipalName, 'revoke-sessions');
              await world.pauseAfterEffect('revoke-sessions');
            },
            describe: { applied: 'sign-in sessions revoked', alreadyInPlace: 'sessions were revoked since the alert' },
          });
        }
        case 'isolate-host': {
          const host = world.findHost(request.host!);
          return checkThenAct({
            request,
            target: host.name,
            isInPlace: () => isInPlace(request),
            act: async () => {
              host.isolated = true;
              world.countEffect(host.name, 'isolate-host');
              await world.pauseAfterEffect('isolate-host');
            },
            describe: { applied: 'machine isolated', alreadyInPlace: 'machine was already isolated' },
          });
        }
        case 'block-ip': {
          const ip = request.ip!;
          return checkThenAct({
            request,
            target: ip,
            isInPlace: () => isInPlace(request),
            act: async () => {
              world.data.blockedIps.push(ip);
              world.countEffect(ip, 'block-ip');
              await world.pauseAfterEffect('block-ip');
            },
            describe: { applied: 'IP blocked at sign-in', alreadyInPlace: 'IP was already blocked' },
          });
        }
      }
    },

    async undo(request) {
      world.fault('undo');
      switch (request.action) {
        case 'disable-account': {
          const user = world.findUser(request.user!);
          return checkThenUndo({
            isInPlace: () => isInPlace(request),
            undo: async () => {
              user.accountEnabled = true;
              world.countEffect(user.userPrincipalName, 'enable-account');
            },
            describe: { undone: 'account enabled again', nothingToUndo: 'account was already enabled' },
          });
        }
        case 'revoke-sessions':
          return { status: 'nothing-to-undo', detail: 'revoked sessions stay revoked; the user signs in again' };
        case 'isolate-host': {
          const host = world.findHost(request.host!);
          return checkThenUndo({
            isInPlace: () => isInPlace(request),
            undo: async () => {
              host.isolated = false;
              world.countEffect(host.name, 'release-host');
            },
            describe: { undone: 'machine released from isolation', nothingToUndo: 'machine was not isolated' },
          });
        }
        case 'block-ip': {
          const ip = request.ip!;
          return checkThenUndo({
            isInPlace: () => isInPlace(request),
            undo: async () => {
              world.data.blockedIps = world.data.blockedIps.filter((b) => b !== ip);
              world.countEffect(ip, 'unblock-ip');
            },
            describe: { undone: 'IP unblocked', nothingToUndo: 'IP was not blocked' },
          });
        }
      }
    },
  };
}

export interface InMemoryMessengerHooks {
  onQuestion?(question: UserQuestion & { messageRef: string }): void;
  onEscalation?(notice: EscalationNotice): void;
}

function messenger(world: World, hooks: InMemoryMessengerHooks): Messenger {
  return {
    async askUser(question) {
      world.fault('askUser');
      const reason =
        world.data.undeliverable[question.user.objectId ?? ''] ??
        world.data.undeliverable[question.user.userPrincipalName ?? ''];
      if (reason) throw ApplicationFailure.nonRetryable(reason, 'QuestionUndeliverable');
      const existing = world.data.questions.find((q) => q.workflowId === question.workflowId);
      if (existing) return { messageRef: existing.messageRef };
      const deadline =
        question.timeoutMs !== undefined ? new Date(Date.now() + question.timeoutMs).toISOString() : question.deadline;
      const asked = { ...question, deadline, messageRef: `question-${world.data.questions.length + 1}` };
      world.data.questions.push(asked);
      world.save();
      hooks.onQuestion?.(asked);
      return { messageRef: asked.messageRef };
    },
    async remindUser(reminder) {
      world.fault('remindUser');
      world.data.reminders.push(reminder);
      world.save();
    },
    async updateQuestion(update) {
      world.fault('updateQuestion');
      world.data.questionUpdates.push(update);
      world.save();
    },
    async escalate(notice) {
      world.fault('escalate');
      world.data.escalations.push(notice);
      world.save();
      hooks.onEscalation?.(notice);
      return { messageRef: `soc-card-${world.data.escalations.length}` };
    },
    async updateCaseCard(update) {
      world.fault('updateCaseCard');
      world.data.caseCards.push(update);
      world.save();
    },
  };
}

export function createInMemoryPorts(world: World, hooks: InMemoryMessengerHooks = {}): Ports {
  return {
    identity: identity(world),
    endpoints: endpoints(world),
    containment: containment(world),
    messenger: messenger(world, hooks),
    posture: createInMemoryPostureDirectory(world),
  };
}
