import { ApplicationFailure } from '@temporalio/common';
import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../../common/triage';
import { checkThenAct, checkThenUndo } from '../containment-protocol';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';
import type { GraphDirectory } from './identity';

/** Disabling and enabling an Entra ID account; an account synced from on-premises AD is changed there, not here. */

export const accountPermissions = {
  disable:
    'User.EnableDisableAccount.All (and, for an account holding an admin role, the Privileged Authentication Administrator role for the app)',
} as const;

const onPremises = (upn: string) =>
  ApplicationFailure.nonRetryable(`${upn} is synced from on-premises AD — disable it there`, 'OnPremisesSynced');

export class GraphAccounts {
  constructor(
    private readonly graph: ApiClient,
    private readonly directory: GraphDirectory,
  ) {}

  async isDisabled(request: ContainmentRequest): Promise<boolean> {
    return (await this.directory.user(request.user)).accountEnabled === false;
  }

  async disable(request: ContainmentRequest): Promise<ContainmentOutcome> {
    const user = await this.directory.user(request.user);
    if (user.onPremisesSyncEnabled && user.accountEnabled !== false) throw onPremises(user.userPrincipalName);
    return checkThenAct({
      request,
      target: user.userPrincipalName,
      isInPlace: async () => user.accountEnabled === false,
      act: () => this.setEnabled(user, false),
      describe: { applied: 'account disabled', alreadyInPlace: 'account was already disabled' },
    });
  }

  async enable(request: ContainmentRequest): Promise<UndoOutcome> {
    const user = await this.directory.user(request.user);
    return checkThenUndo({
      isInPlace: async () => user.accountEnabled === false,
      undo: () => this.setEnabled(user, true),
      describe: { undone: 'account enabled again', nothingToUndo: 'account was already enabled' },
    });
  }

  private setEnabled(user: { id: string; userPrincipalName: string }, enabled: boolean): Promise<void> {
    return this.graph.patch(`/users/${segment(user.id)}`, { accountEnabled: enabled }, setEnabledCall(user, enabled));
  }
}

function setEnabledCall({ userPrincipalName: upn }: { userPrincipalName: string }, enabled: boolean): Call {
  return {
    service: 'Microsoft Graph',
    what: `${enabled ? 'enabling' : 'disabling'} ${upn}`,
    permission: accountPermissions.disable,
    notFound: `user not found: ${upn}`,
    explain: (err) =>
      err.statusCode === 400 && /on-premises mastered/i.test(err.message) ? onPremises(upn) : undefined,
  };
}
