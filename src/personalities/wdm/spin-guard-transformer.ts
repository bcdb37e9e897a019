/**
 * A TypeScript transform that makes driver code stoppable: it inserts a call
 * of the wall-clock watchdog's guard (src/kernel/io/wall-clock-watchdog.ts)
 * at every loop back-edge (the start of the body of while, do, for, for-of,
 * for-in) and at every function entry (endless recursion), so a routine that
 * never returns can be stopped from inside its own loop.
 */
import * as ts from 'typescript';

/** The local name the guard is bound to in an instrumented module. */
export const GUARD_NAME = '__dmaConformanceSpinGuard';

/** How the module binds the guard: its first statement, so any code of the module can call it. */
function guardBinding(factory: ts.NodeFactory, guardModule: string): ts.Statement {
  const required = factory.createCallExpression(factory.createIdentifier('require'), undefined, [factory.createStringLiteral(guardModule)]);
  // `var`, not `const`: a hoisted function called during the module's own initialization finds it bound.
  return factory.createVariableStatement(undefined, factory.createVariableDeclarationList(
    [factory.createVariableDeclaration(GUARD_NAME, undefined, undefined, factory.createPropertyAccessExpression(required, 'spinGuard'))],
    ts.NodeFlags.None,
  ));
}

function isPrologueDirective(s: ts.Statement): boolean {
  return ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression);
}

/** `guardModule` is the absolute path of the watchdog module the guard is required from. */
export function spinGuardTransformer(guardModule: string): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const f = context.factory;
    const guardCall = (): ts.Statement => f.createExpressionStatement(f.createCallExpression(f.createIdentifier(GUARD_NAME), undefined, []));
    const guardedStatements = (statements: readonly ts.Statement[]): ts.Statement[] => {
      const prologue = statements.findIndex((s) => !isPrologueDirective(s));
      const at = prologue < 0 ? statements.length : prologue;
      return [...statements.slice(0, at), guardCall(), ...statements.slice(at)];
    };
    const loopBody = (body: ts.Statement): ts.Block => f.createBlock([guardCall(), ...(ts.isBlock(body) ? body.statements : [body])], true);
    const functionBody = (body: ts.Block): ts.Block => f.updateBlock(body, guardedStatements(body.statements));

    const visit = (node: ts.Node): ts.Node => {
      const n = ts.visitEachChild(node, visit, context);
      if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, loopBody(n.statement));
      if (ts.isDoStatement(n)) return f.updateDoStatement(n, loopBody(n.statement), n.expression);
      if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, loopBody(n.statement));
      if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, loopBody(n.statement));
      if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, loopBody(n.statement));
      if (ts.isFunctionDeclaration(n) && n.body) return f.updateFunctionDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, functionBody(n.body));
      if (ts.isFunctionExpression(n)) return f.updateFunctionExpression(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, functionBody(n.body));
      if (ts.isMethodDeclaration(n) && n.body) return f.updateMethodDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.questionToken, n.typeParameters, n.parameters, n.type, functionBody(n.body));
      if (ts.isGetAccessorDeclaration(n) && n.body) return f.updateGetAccessorDeclaration(n, n.modifiers, n.name, n.parameters, n.type, functionBody(n.body));
      if (ts.isSetAccessorDeclaration(n) && n.body) return f.updateSetAccessorDeclaration(n, n.modifiers, n.name, n.parameters, functionBody(n.body));
      if (ts.isArrowFunction(n)) {
        const body = ts.isBlock(n.body) ? functionBody(n.body) : f.createBlock([guardCall(), f.createReturnStatement(n.body)], true);
        return f.updateArrowFunction(n, n.modifiers, n.typeParameters, n.parameters, n.type, n.equalsGreaterThanToken, body);
      }
      // Constructors are left alone: a derived class's body must begin with super(), and recursion through `new` is rare.
      return n;
    };
    return (file) => {
      const visited = ts.visitEachChild(file, visit, context);
      return f.updateSourceFile(visited, [guardBinding(f, guardModule), ...visited.statements]);
    };
  };
}
