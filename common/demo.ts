/** The demo tenant's analyst (Entra object id): who may decide in demo mode when SOC_ANALYST_IDS is not set. */
export const DEMO_ANALYST = 'aaaaaaaa-0000-4000-8000-000000000001';
