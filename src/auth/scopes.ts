/** Every scope a user token can carry here: routes, rules and the OpenAPI document name them from this one place. */
export const Scope = {
  ProductsWrite: 'products:write',
  ProductsAdmin: 'products:admin',
  InventoryWrite: 'inventory:write',
  AuditRead: 'audit:read',
  ApiKeysManage: 'api-keys:manage',
} as const;

export type Scope = (typeof Scope)[keyof typeof Scope];

/** What each scope allows, as the OpenAPI document shows it. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  [Scope.ProductsWrite]: 'Create, change and delete your own products',
  [Scope.ProductsAdmin]: "Change and delete anyone's products",
  [Scope.InventoryWrite]: 'Adjust stock',
  [Scope.AuditRead]: 'Read the audit trail',
  [Scope.ApiKeysManage]: 'Create, list, rotate and revoke API keys',
};
