import type { Request } from 'express';

/** The person behind a request, as the auth module established it. */
export interface User {
  id: string;
  name: string;
  email?: string;
  roles: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

export const currentUser = (req: Request): User | undefined => req.user;
