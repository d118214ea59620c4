// The syntax tree of a Go text/template (the language of Helm charts), as `strata import helm` needs it: the
// shape follows Go's text/template/parse (ListNode, ActionNode, PipeNode, CommandNode...), written for this
// translator rather than ported. Whitespace trim markers (`{{-`, `-}}`) are applied while parsing, as Go does,
// so a TextNode holds exactly the text Go would print; the markers are still recorded on each tag.

/** A position in the template source (1-based line). */
export interface Pos {
  readonly line: number;
}

/** Trim markers on one tag: `{{-` (left) and `-}}` (right). */
export interface Trim {
  readonly left: boolean;
  readonly right: boolean;
}

export type Node =
  TextNode | CommentNode | ActionNode | IfNode | WithNode | RangeNode | TemplateNode | BreakNode | ContinueNode;

export interface TextNode extends Pos {
  readonly type: 'text';
  /** The text after trimming, as Go prints it. */
  text: string;
}

export interface CommentNode extends Pos {
  readonly type: 'comment';
  readonly text: string;
  readonly trim: Trim;
}

/** `{{ pipeline }}`: prints the pipeline's value, unless it declares or assigns variables. */
export interface ActionNode extends Pos {
  readonly type: 'action';
  readonly pipe: PipeNode;
  readonly trim: Trim;
}

export interface IfNode extends Pos {
  readonly type: 'if';
  readonly pipe: PipeNode;
  readonly list: Node[];
  /** The `{{ else }}` branch; `elseChained` when it was written `{{ else if … }}` (one IfNode inside). */
  readonly elseList?: Node[];
  readonly elseChained?: boolean;
}

export interface WithNode extends Pos {
  readonly type: 'with';
  readonly pipe: PipeNode;
  readonly list: Node[];
  readonly elseList?: Node[];
  /** `{{ else with … }}` (Go 1.23). */
  readonly elseChained?: boolean;
}

export interface RangeNode extends Pos {
  readonly type: 'range';
  readonly pipe: PipeNode;
  readonly list: Node[];
  readonly elseList?: Node[];
}

/** `{{ template "name" pipeline }}`; a `block` becomes a DefineNode plus one of these. */
export interface TemplateNode extends Pos {
  readonly type: 'template';
  readonly name: string;
  readonly pipe?: PipeNode;
  /** Written as `{{ block … }}`. */
  readonly block?: boolean;
}

export interface BreakNode extends Pos {
  readonly type: 'break';
}

export interface ContinueNode extends Pos {
  readonly type: 'continue';
}

/** `{{ define "name" }}…{{ end }}` (also the body of a `block`). */
export interface DefineNode extends Pos {
  readonly type: 'define';
  readonly name: string;
  readonly list: Node[];
}

/** `[$a, $b :=|=] cmd | cmd …` */
export interface PipeNode extends Pos {
  readonly type: 'pipe';
  /** Variables declared (`:=`) or assigned (`=`), without the `$`. */
  readonly decl: string[];
  readonly isAssign: boolean;
  readonly cmds: CommandNode[];
}

/** One stage of a pipeline: a function, method or value followed by its arguments. */
export interface CommandNode extends Pos {
  readonly type: 'command';
  readonly args: Operand[];
}

export type Operand =
  | FieldNode
  | VariableNode
  | DotNode
  | IdentifierNode
  | ChainNode
  | PipeNode
  | StringNode
  | NumberNode
  | BoolNode
  | NilNode;

/** `.A.B` on dot. */
export interface FieldNode extends Pos {
  readonly type: 'field';
  readonly path: string[];
}

/** `$x.A.B`, `$`, `$.A` (name '' is `$`). */
export interface VariableNode extends Pos {
  readonly type: 'variable';
  readonly name: string;
  readonly path: string[];
}

export interface DotNode extends Pos {
  readonly type: 'dot';
}

/** A function name. */
export interface IdentifierNode extends Pos {
  readonly type: 'identifier';
  readonly name: string;
}

/** `(pipeline).A.B` */
export interface ChainNode extends Pos {
  readonly type: 'chain';
  readonly node: Operand;
  readonly path: string[];
}

export interface StringNode extends Pos {
  readonly type: 'string';
  /** The decoded value. */
  readonly value: string;
}

export interface NumberNode extends Pos {
  readonly type: 'number';
  readonly value: number;
  /** The source spelling (`0x1F`, `'a'`, `1e3`). */
  readonly text: string;
}

export interface BoolNode extends Pos {
  readonly type: 'bool';
  readonly value: boolean;
}

export interface NilNode extends Pos {
  readonly type: 'nil';
}

/** A parsed file: its top-level nodes and the templates it defines. */
export interface ParsedFile {
  readonly list: Node[];
  readonly defines: DefineNode[];
}
